import { stat } from 'node:fs/promises';
import type { ImportError, ImportResult } from '../contract/dicom';
import type { FileRegistry } from './file-registry';
import { inspectFile, inspectPrefetched, type FileOutcome } from './inspect-file';
import { PrefixReader, type PrefetchedFile } from './prefix-reader';
import { DEFAULT_PREFIX_BYTES } from './read-header';
import { buildStudyTree } from './study-tree';
import { abortError, collectFiles, type WalkResult } from './walk';
import type { InstanceRecord } from './describe-instance';

export interface IndexOptions {
  registry: FileRegistry;
  onProgress?: (processed: number, total: number) => void;
  signal?: AbortSignal;
  /** How many files are inspected at once (default 8). */
  concurrency?: number;
  /** Bytes read first from each file; grown while the header is longer (default 16 KiB). */
  prefixBytes?: number;
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
const READ_THREAD_MIN_FILES = 128;
/** Above this first-read size a batch would hold too much memory: read per file instead. */
const READ_THREAD_MAX_PREFIX = 2 ** 20;

// One reader thread for the process, started on the first large import and kept (idle, it does
// not hold the process open); replaced when it fails or after a cancelled import (a read may be stuck).
let sharedReader: PrefixReader | null = null;

function acquireReader(): PrefixReader | null {
  if (sharedReader?.usable) return sharedReader;
  try {
    sharedReader = new PrefixReader();
  } catch {
    sharedReader = null; // no worker threads here (or none can start): files are read the ordinary way
  }
  return sharedReader;
}

/** Rejects as soon as the signal aborts, so a stuck read cannot hold a cancelled import. */
function whenAborted(signal: AbortSignal | undefined): { promise: Promise<never>; dispose: () => void } {
  if (!signal) return { promise: new Promise<never>(() => undefined), dispose: () => undefined };
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

export interface ScanOptions extends Omit<IndexOptions, 'registry'> {
  /**
   * Picks which of the walked files are read (default: all), e.g. only those changed since the last
   * import. Progress counts the others as done at once.
   */
  selectFiles?: (files: string[]) => Promise<string[]> | string[];
  /**
   * Also report each read file's size and modification time as they were before its bytes were
   * read (free where the reader thread fstats anyway; one stat per file otherwise).
   */
  statFiles?: boolean;
}

/** A file's size and modification time. */
export interface FileStat {
  size: number;
  mtimeMs: number;
}

export interface ScanResult {
  walk: WalkResult;
  /** The files read, in walk order, and what each one is. */
  inspected: string[];
  outcomes: FileOutcome[];
  /** Parallel to `inspected` (with `statFiles`): size and time before the read, null where it could not be had. */
  stats: Array<FileStat | null>;
}

/** Size and time of a file, or null (then its read reports why it cannot be read). */
async function statOrNull(file: string): Promise<FileStat | null> {
  try {
    const info = await stat(file);
    return { size: info.size, mtimeMs: info.mtimeMs };
  } catch {
    return null;
  }
}

/**
 * Walks files and folders (recursively) and inspects the selected files by their headers only.
 * Every regular file found is either selected and inspected exactly once, or left to the caller.
 * Rejects only when cancelled through `signal`.
 */
export async function scanPaths(paths: string[], opts: ScanOptions = {}): Promise<ScanResult> {
  const { onProgress, signal } = opts;
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 8));
  if (signal?.aborted) throw abortError(signal);

  const aborted = whenAborted(signal);
  // A holder, not a `let`: the walk's callback fills it in.
  const thread: { reader: PrefixReader | null } = { reader: null };
  try {
    const prefixBytes = Math.max(1, Math.floor(opts.prefixBytes ?? DEFAULT_PREFIX_BYTES));
    // A reader thread takes tens of ms to start: the first time, start it while the walk is still going.
    const startReader = (): void => {
      thread.reader ??= acquireReader();
    };
    if (opts.readOnThread === true) startReader();
    const threadWhenLarge = opts.readOnThread === undefined && prefixBytes <= READ_THREAD_MAX_PREFIX;
    const onFound = (count: number): void => {
      if (threadWhenLarge && count === READ_THREAD_MIN_FILES) startReader();
      // The total is known early: it grows while the walk counts, so a long import never sits at 0 / 0.
      onProgress?.(0, count);
    };
    const walk = await Promise.race([collectFiles(paths, signal, onFound), aborted.promise]);
    const files = opts.selectFiles ? await Promise.race([opts.selectFiles(walk.files), aborted.promise]) : walk.files;
    const skipped = walk.files.length - files.length;
    const total = files.length;
    onProgress?.(skipped, walk.files.length);

    const outcomes: FileOutcome[] = new Array(total);
    const stats: Array<FileStat | null> = new Array<FileStat | null>(total).fill(null);
    const statFiles = opts.statFiles === true;
    // Few files to read (a re-import): the thread's batches are not worth it.
    const reader = total >= READ_THREAD_MIN_FILES || opts.readOnThread === true ? thread.reader : null;
    const inspect = reader
      ? batchedInspector(reader, files, prefixBytes, statFiles ? stats : null)
      : async (index: number) => {
          if (statFiles) stats[index] = await statOrNull(files[index]);
          return inspectFile(files[index], prefixBytes);
        };
    let next = 0;
    let processed = 0;
    // Prefetched bytes parse with only microtask awaits in between, which never let the event loop turn:
    // without a break now and then, a socket message (a cancel) or a progress event waits for the whole batch.
    let sliceStartMs = performance.now();
    const worker = async (): Promise<void> => {
      while (next < total && !signal?.aborted) {
        const index = next++;
        outcomes[index] = await inspect(index);
        processed++;
        onProgress?.(skipped + processed, walk.files.length);
        if (performance.now() - sliceStartMs > SLICE_MS) {
          await yieldToEventLoop();
          sliceStartMs = performance.now();
        }
      }
    };
    const workers = Array.from({ length: Math.min(concurrency, Math.max(1, total)) }, worker);
    await Promise.race([Promise.all(workers), aborted.promise]);
    if (signal?.aborted) throw abortError(signal);
    return { walk, inspected: files, outcomes, stats };
  } finally {
    aborted.dispose();
    if (thread.reader && signal?.aborted) {
      thread.reader.close();
      if (sharedReader === thread.reader) sharedReader = null;
    }
  }
}

/** Longest stretch of parsing before the event loop gets a turn (sockets, timers, progress). */
const SLICE_MS = 10;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** stat() calls in flight where the reader thread is not used. */
const STAT_CONCURRENCY = 32;

/**
 * Size and modification time of each file (null where it cannot be had), in order: on the reader
 * thread in one message from READ_THREAD_MIN_FILES files on, else (or should the thread fail) by
 * async stat, STAT_CONCURRENCY at a time.
 */
export async function statFiles(files: string[]): Promise<Array<FileStat | null>> {
  const reader = files.length >= READ_THREAD_MIN_FILES ? acquireReader() : null;
  if (reader) {
    try {
      return await reader.stat(files);
    } catch {
      // the thread failed: stat the ordinary way below
    }
  }
  const stats = new Array<FileStat | null>(files.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      stats[index] = await statOrNull(files[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, files.length) }, worker));
  return stats;
}

/**
 * Splits outcomes into image records and errors. Duplicates are decided in the given (walk) order,
 * so the result does not depend on read timing; `isTaken` reports SOP UIDs already owned elsewhere
 * (the catalog's present files), as the path holding them.
 */
export function acceptOutcomes(
  outcomes: FileOutcome[],
  isTaken: (sopInstanceUid: string, path: string) => string | undefined = () => undefined,
): { records: InstanceRecord[]; errors: ImportError[] } {
  const firstPathBySopUid = new Map<string, string>();
  const records: InstanceRecord[] = [];
  const errors: ImportError[] = [];
  for (const outcome of outcomes) {
    if (outcome.kind === 'error') {
      errors.push(outcome.error);
      continue;
    }
    const { sopInstanceUid, path } = outcome.record.instance;
    const firstPath = firstPathBySopUid.get(sopInstanceUid) ?? isTaken(sopInstanceUid, path);
    if (firstPath !== undefined) {
      errors.push({ path, code: 'duplicate', reason: `same SOP Instance UID ${sopInstanceUid} as ${firstPath}` });
      continue;
    }
    firstPathBySopUid.set(sopInstanceUid, path);
    records.push(outcome.record);
  }
  return { records, errors };
}

/**
 * Indexes DICOM files and folders (recursively) by their headers only, into Patient → Study →
 * Series → Instance, in memory (`vesalius index`; the app imports into the catalog). Every regular
 * file found is accounted for exactly once: as an instance or as an error naming the file and the
 * reason. Rejects only when cancelled through `signal`.
 */
export async function indexPaths(paths: string[], opts: IndexOptions): Promise<ImportResult> {
  const { registry, ...scanOptions } = opts;
  const { walk, outcomes } = await scanPaths(paths, scanOptions);
  const { records, errors } = acceptOutcomes(outcomes);
  const keyed = records.map((record) => ({ ...record, fileKey: registry.register(record.instance.path) }));
  return { patients: buildStudyTree(keyed), errors: [...walk.errors, ...errors], fileCount: walk.files.length + walk.errors.length };
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
