// The header reader that parses on the calling thread: first bytes fetched on a small reader thread
// in batches (or with async fs calls per file), headers parsed here. Used by the indexer's own tests,
// and by the sandbox's reader threads for their share of the files (core/sandbox/reader-tasks.ts).
import { stat } from 'node:fs/promises';
import type { FileStat, HeaderReader, HeaderReadRequest, HeaderReadResult } from './header-reader';
import { inspectFile, inspectPrefetched, type FileOutcome } from './inspect-file';
import { PrefixReader, type PrefetchedFile } from './prefix-reader';

export interface InThreadReaderOptions {
  /** How many files are inspected at once (default 8). */
  concurrency?: number;
  /**
   * Fetch first bytes on a worker thread in batches (true) or with async fs calls per file (false).
   * Default: the thread from READ_THREAD_MIN_FILES files on, where it pays for its start-up.
   */
  readOnThread?: boolean;
}

/** Files per message to the reader thread. */
const READ_BATCH = 32;
/**
 * Batches requested ahead of the one being parsed, so the thread is rarely what parsing waits on:
 * with parsing now ~4× the thread's work, 2 left the main thread idle ~30 % of the time on a busy
 * 2-core machine (the thread waits for a core); 6 (3 MiB of buffers) halved that.
 */
const READ_AHEAD = 6;
export const READ_THREAD_MIN_FILES = 128;
/** Above this first-read size a batch would hold too much memory: read per file instead. */
const READ_THREAD_MAX_PREFIX = 2 ** 20;

// One reader thread for the process, started on the first large import and kept (idle, it does
// not hold the process open); replaced when it fails or after a cancelled import (a read may be stuck).
let sharedReader: PrefixReader | null = null;

/** The process's prefix reader thread, or null where no worker thread can start. */
export function acquirePrefixReader(): PrefixReader | null {
  if (sharedReader?.usable) return sharedReader;
  try {
    sharedReader = new PrefixReader();
  } catch {
    sharedReader = null; // no worker threads here (or none can start): files are read the ordinary way
  }
  return sharedReader;
}

/** Size and time of a file, or null (then its read reports why it cannot be read). */
export async function statOrNull(file: string): Promise<FileStat | null> {
  try {
    const info = await stat(file);
    return { size: info.size, mtimeMs: info.mtimeMs };
  } catch {
    return null;
  }
}

/** Longest stretch of parsing before the event loop gets a turn (sockets, timers, progress). */
const SLICE_MS = 10;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Headers parsed on this thread. A reader thread for first bytes is started during the walk once an import is large. */
export function inThreadHeaderReader(options: InThreadReaderOptions = {}): HeaderReader {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
  return {
    expectFiles(count) {
      if (options.readOnThread === undefined && count === READ_THREAD_MIN_FILES) acquirePrefixReader(); // tens of ms to start: start it while walking
    },
    readHeaders: (request) => readInThread(request, concurrency, options.readOnThread),
  };
}

async function readInThread(request: HeaderReadRequest, concurrency: number, readOnThread: boolean | undefined): Promise<HeaderReadResult> {
  const { files, prefixBytes, signal, onDecided } = request;
  const total = files.length;
  const outcomes: FileOutcome[] = new Array(total);
  const stats: Array<FileStat | null> = new Array<FileStat | null>(total).fill(null);
  // Few files to read (a re-import): the thread's batches are not worth it.
  const useThread = readOnThread ?? (total >= READ_THREAD_MIN_FILES && prefixBytes <= READ_THREAD_MAX_PREFIX);
  const reader = useThread ? acquirePrefixReader() : null;
  const inspect = reader
    ? batchedInspector(reader, files, prefixBytes, request.statFiles ? stats : null)
    : async (index: number) => {
        if (request.statFiles) stats[index] = await statOrNull(files[index]);
        return inspectFile(files[index], prefixBytes);
      };
  let next = 0;
  let decided = 0;
  // Prefetched bytes parse with only microtask awaits in between, which never let the event loop turn:
  // without a break now and then, a socket message (a cancel) or a progress event waits for the whole batch.
  let sliceStartMs = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total && !signal?.aborted) {
      const index = next++;
      outcomes[index] = await inspect(index);
      decided++;
      onDecided?.(decided);
      if (performance.now() - sliceStartMs > SLICE_MS) {
        await yieldToEventLoop();
        sliceStartMs = performance.now();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, total)) }, worker));
  } finally {
    if (reader && signal?.aborted) {
      reader.close(); // a read may be stuck: the next import gets a fresh thread
      if (sharedReader === reader) sharedReader = null;
    }
  }
  return { outcomes, stats };
}

/**
 * Inspects file `index` from its batch, asking the reader thread for the next READ_AHEAD batches as
 * soon as a batch is first used, so reading runs ahead of parsing. Should the thread fail, files
 * are read the ordinary way.
 */
function batchedInspector(
  reader: PrefixReader,
  files: string[],
  prefixBytes: number,
  stats: Array<FileStat | null> | null,
): (index: number) => Promise<FileOutcome> {
  const batches: Array<Promise<PrefetchedFile[]>> = [];
  const unfinished: number[] = [];
  const releases: Array<() => void> = [];
  const batch = (b: number): Promise<PrefetchedFile[]> => {
    if (!batches[b]) {
      const paths = files.slice(b * READ_BATCH, (b + 1) * READ_BATCH);
      unfinished[b] = paths.length;
      batches[b] = reader.read(paths, prefixBytes).then(({ files: fetched, release }) => {
        releases[b] = release;
        return fetched;
      });
      batches[b].catch(() => undefined); // awaited later; a failure then falls back per file
    }
    return batches[b];
  };
  return async (index) => {
    const b = Math.floor(index / READ_BATCH);
    for (let ahead = b + 1; ahead <= b + READ_AHEAD && ahead * READ_BATCH < files.length; ahead++) void batch(ahead);
    try {
      let fetched: PrefetchedFile;
      try {
        fetched = (await batch(b))[index - b * READ_BATCH];
      } catch {
        if (stats) stats[index] = await statOrNull(files[index]);
        return await inspectFile(files[index], prefixBytes);
      }
      // A file that would not open (no permission, say) may still stat: then its rejection is kept as unchanged.
      if (stats) stats[index] = fetched.ok ? { size: fetched.statSize, mtimeMs: fetched.mtimeMs } : await statOrNull(files[index]);
      return await inspectPrefetched(files[index], fetched);
    } finally {
      // The batch's bytes are reused only once every file in it is decided (outcomes keep no views of them).
      if (--unfinished[b] === 0) releases[b]?.();
    }
  };
}
