import { Worker } from 'node:worker_threads';

/**
 * What the batch reader fetched of one file: its first bytes, its size, and its last 8 bytes; and
 * the size and modification time fstat gave before the first read (what the catalog keeps to tell a
 * changed file at the next import).
 */
export type PrefetchedFile =
  | { ok: true; head: Buffer; size: number; tail: Buffer | null; statSize: number; mtimeMs: number }
  | { ok: false; stage: 'open' | 'read'; code: string; message: string };

/** Bytes kept from the end of each file: enough for the encapsulated pixel data's sequence delimiter. */
export const TAIL_BYTES = 8;
/** Released batch buffers kept for reuse (enough for the batches in flight: the indexer's read-ahead + 2). */
const MAX_SPARE_BUFFERS = 8;

/** The thread's answer to a stat request: size and time of each path, null where stat failed. */
interface StatReply {
  id: number;
  stats: Array<[number, number] | null>;
}

interface BatchReply {
  id: number;
  /** One buffer for the whole batch: file i's head is at [i * prefixBytes, + headLengths[i]). */
  heads: ArrayBuffer;
  tails: ArrayBuffer;
  headLengths: number[];
  sizes: number[];
  /** fstat's size and modification time, before the first read. */
  statSizes: number[];
  mtimesMs: number[];
  /** TAIL_BYTES when the last bytes were read, less if the file shrank meanwhile (then they are not used). */
  tailLengths: number[];
  failures: Array<{ index: number; stage: 'open' | 'read'; code: string; message: string } | null>;
}

// The worker is plain JavaScript evaluated from this string, so it runs the same under tsx, vitest
// and a bundled app (no separate file to resolve). It does blocking open/fstat/pread/close: on a
// thread of its own those cost a few µs each, where every async fs call is a round trip through
// libuv's pool and back to the main thread (about 20–40 µs each on a busy 2-core machine).
// O_NONBLOCK keeps an open of a FIFO swapped in after the walk from blocking; regular files ignore it.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK || 0);
const TAIL = ${TAIL_BYTES};
function readFully(fd, buffer, offset, length, position) {
  let filled = 0;
  while (filled < length) {
    const n = fs.readSync(fd, buffer, offset + filled, length - filled, position + filled);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}
parentPort.on('message', ({ id, paths, prefixBytes, spare, statOnly }) => {
  if (statOnly) {
    const stats = paths.map((p) => {
      try {
        const info = fs.statSync(p);
        return [info.size, info.mtimeMs];
      } catch {
        return null;
      }
    });
    parentPort.postMessage({ id, stats });
    return;
  }
  // Reuse a batch buffer the main thread has finished with: writing into fresh pages costs more
  // (page faults) than the reads themselves.
  const needed = paths.length * prefixBytes;
  const heads = spare && spare.byteLength >= needed ? new Uint8Array(spare, 0, needed) : new Uint8Array(needed);
  const tails = new Uint8Array(paths.length * TAIL);
  const headLengths = new Array(paths.length).fill(0);
  const sizes = new Array(paths.length).fill(0);
  const statSizes = new Array(paths.length).fill(0);
  const mtimesMs = new Array(paths.length).fill(0);
  const tailLengths = new Array(paths.length).fill(0);
  const failures = new Array(paths.length).fill(null);
  for (let i = 0; i < paths.length; i++) {
    let fd;
    try {
      fd = fs.openSync(paths[i], flags);
    } catch (e) {
      failures[i] = { index: i, stage: 'open', code: String(e.code || 'EIO'), message: String(e.message) };
      continue;
    }
    try {
      const info = fs.fstatSync(fd);
      const size = info.size;
      statSizes[i] = size;
      mtimesMs[i] = info.mtimeMs;
      const headLength = readFully(fd, heads, i * prefixBytes, prefixBytes, 0);
      headLengths[i] = headLength;
      // A short first read means the file is all in memory (and smaller than stat said, if it shrank).
      sizes[i] = headLength < prefixBytes ? headLength : size;
      if (sizes[i] > headLength && sizes[i] >= TAIL) tailLengths[i] = readFully(fd, tails, i * TAIL, TAIL, sizes[i] - TAIL);
    } catch (e) {
      failures[i] = { index: i, stage: 'read', code: String(e.code || 'EIO'), message: String(e.message) };
    } finally {
      try { fs.closeSync(fd); } catch {}
    }
  }
  parentPort.postMessage({ id, heads: heads.buffer, tails: tails.buffer, headLengths, sizes, statSizes, mtimesMs, tailLengths, failures }, [heads.buffer, tails.buffer]);
});
`;

/**
 * Reads the first bytes, size and last bytes of files in batches on a worker thread, so the main
 * thread only parses. One batch is one message each way instead of five fs round trips per file.
 * The thread keeps the process alive only while a batch is outstanding, so one reader can be kept
 * for the life of the process (a thread takes tens of ms to start).
 */
export class PrefixReader {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (reply: never) => void; reject: (e: Error) => void }>();
  private failed: Error | null = null;
  /** Batch buffers the caller has released, handed back to the thread with the next requests. */
  private readonly spare: ArrayBuffer[] = [];

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.on('message', (reply: BatchReply | StatReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      waiting?.resolve(reply as never);
    });
    const failAll = (e: Error): void => {
      this.failed ??= e;
      for (const waiting of this.pending.values()) waiting.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`file reader thread exited (code ${code})`)));
    // Idle, the thread must not hold the process open. unref() only after the listeners: attaching a
    // 'message' listener refs the worker again (an unchanged re-import never read through it and hung the CLI).
    this.worker.unref();
  }

  /**
   * Fetches every path's first bytes, size and tail, in order. Call `release` once nothing uses the
   * returned bytes any more: their memory then goes back to the thread for a later batch. Rejects
   * only if the thread itself fails.
   */
  async read(paths: string[], prefixBytes: number): Promise<{ files: PrefetchedFile[]; release: () => void }> {
    if (this.failed) throw this.failed;
    const id = this.nextId++;
    const spare = this.spare.pop();
    const reply = await this.request<BatchReply>({ id, paths, prefixBytes, spare }, spare ? [spare] : []);
    const release = (): void => {
      if (this.spare.length < MAX_SPARE_BUFFERS) this.spare.push(reply.heads);
    };
    const files = paths.map((_, i): PrefetchedFile => {
      const failed = reply.failures[i];
      if (failed) return { ok: false, stage: failed.stage, code: failed.code, message: failed.message };
      const size = reply.sizes[i];
      const head = Buffer.from(reply.heads, i * prefixBytes, reply.headLengths[i]);
      const tail = reply.tailLengths[i] === TAIL_BYTES ? Buffer.from(reply.tails, i * TAIL_BYTES, TAIL_BYTES) : null;
      return { ok: true, head, size, tail, statSize: reply.statSizes[i], mtimeMs: reply.mtimesMs[i] };
    });
    return { files, release };
  }

  /**
   * Size and modification time of every path (null where stat fails), all in one message: a
   * blocking stat on the thread costs a few µs where an async one is a round trip through libuv.
   * Rejects only if the thread itself fails.
   */
  async stat(paths: string[]): Promise<Array<{ size: number; mtimeMs: number } | null>> {
    if (this.failed) throw this.failed;
    const reply = await this.request<StatReply>({ id: this.nextId++, paths, statOnly: true }, []);
    return reply.stats.map((s) => (s ? { size: s[0], mtimeMs: s[1] } : null));
  }

  private request<R>(message: { id: number } & Record<string, unknown>, transfer: ArrayBuffer[]): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref(); // an awaited reply must keep the process alive
      this.pending.set(message.id, { resolve: resolve as (reply: never) => void, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  /** False once the thread has failed or was closed: make a new reader. */
  get usable(): boolean {
    return this.failed === null;
  }

  /** Stops the thread; a read blocked in the kernel is abandoned, not waited for. */
  close(): void {
    this.failed ??= new Error('file reader thread was closed');
    void this.worker.terminate();
  }
}
