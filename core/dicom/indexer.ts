import type { ImportError, ImportResult } from '../contract/dicom';
import type { FileRegistry } from './file-registry';
import type { FileStat, HeaderReader } from './header-reader';
import { acquirePrefixReader, inThreadHeaderReader, READ_THREAD_MIN_FILES, statOrNull, type InThreadReaderOptions } from './in-thread-header-reader';
import type { FileOutcome } from './inspect-file';
import { DEFAULT_PREFIX_BYTES } from './read-header';
import { buildStudyTree } from './study-tree';
import { abortError, collectFiles, type WalkResult } from './walk';
import type { InstanceRecord } from './describe-instance';

export type { FileStat, HeaderReader } from './header-reader';

export interface IndexOptions extends InThreadReaderOptions {
  registry: FileRegistry;
  onProgress?: (processed: number, total: number) => void;
  signal?: AbortSignal;
  /** Bytes read first from each file; grown while the header is longer (default 16 KiB). */
  prefixBytes?: number;
  /**
   * Who parses the headers. Real imports pass the sandboxed reader (core/sandbox/header-sandbox.ts:
   * reader threads within limits, crash-isolated); without one, headers are parsed on this thread
   * (`concurrency` and `readOnThread` tune that reader) — for tests of the indexer's own logic.
   */
  headerReader?: HeaderReader;
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

export interface ScanResult {
  walk: WalkResult;
  /** The files read, in walk order, and what each one is. */
  inspected: string[];
  outcomes: FileOutcome[];
  /** Parallel to `inspected` (with `statFiles`): size and time before the read, null where it could not be had. */
  stats: Array<FileStat | null>;
}

/**
 * Walks files and folders (recursively) and inspects the selected files by their headers only.
 * Every regular file found is either selected and inspected exactly once, or left to the caller.
 * Rejects only when cancelled through `signal`.
 */
export async function scanPaths(paths: string[], opts: ScanOptions = {}): Promise<ScanResult> {
  const { onProgress, signal } = opts;
  if (signal?.aborted) throw abortError(signal);
  const reader = opts.headerReader ?? inThreadHeaderReader({ concurrency: opts.concurrency, readOnThread: opts.readOnThread });
  const aborted = whenAborted(signal);
  try {
    const prefixBytes = Math.max(1, Math.floor(opts.prefixBytes ?? DEFAULT_PREFIX_BYTES));
    const onFound = (count: number): void => {
      reader.expectFiles?.(count);
      // The total is known early: it grows while the walk counts, so a long import never sits at 0 / 0.
      onProgress?.(0, count);
    };
    const walk = await Promise.race([collectFiles(paths, signal, onFound), aborted.promise]);
    const files = opts.selectFiles ? await Promise.race([opts.selectFiles(walk.files), aborted.promise]) : walk.files;
    const skipped = walk.files.length - files.length;
    onProgress?.(skipped, walk.files.length);
    const read = reader.readHeaders({
      files,
      prefixBytes,
      statFiles: opts.statFiles === true,
      signal,
      onDecided: (decided) => onProgress?.(skipped + decided, walk.files.length),
    });
    read.catch(() => undefined); // a cancelled read may settle after the race below has answered
    const { outcomes, stats } = await Promise.race([read, aborted.promise]);
    if (signal?.aborted) throw abortError(signal);
    return { walk, inspected: files, outcomes, stats };
  } finally {
    aborted.dispose();
  }
}

/** stat() calls in flight where the reader thread is not used. */
const STAT_CONCURRENCY = 32;

/**
 * Size and modification time of each file (null where it cannot be had), in order: on the reader
 * thread in one message from READ_THREAD_MIN_FILES files on, else (or should the thread fail) by
 * async stat, STAT_CONCURRENCY at a time.
 */
export async function statFiles(files: string[]): Promise<Array<FileStat | null>> {
  const reader = files.length >= READ_THREAD_MIN_FILES ? acquirePrefixReader() : null;
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
