import type { ImportError, ImportResult } from '../contract/dicom';
import type { FileRegistry } from './file-registry';
import { inspectFile, type FileOutcome } from './inspect-file';
import { buildStudyTree, type KeyedRecord } from './study-tree';
import { abortError, collectFiles } from './walk';

export interface IndexOptions {
  registry: FileRegistry;
  onProgress?: (processed: number, total: number) => void;
  signal?: AbortSignal;
  /** How many files are read at once (default 8). */
  concurrency?: number;
  /** Bytes read first from each file; grown while the header is longer (default 64 KiB). */
  prefixBytes?: number;
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

/**
 * Indexes DICOM files and folders (recursively) by their headers only, into Patient → Study →
 * Series → Instance. Every regular file found is accounted for exactly once: as an instance or as
 * an error naming the file and the reason. Rejects only when cancelled through `signal`.
 */
export async function indexPaths(paths: string[], opts: IndexOptions): Promise<ImportResult> {
  const { registry, onProgress, signal } = opts;
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 8));
  if (signal?.aborted) throw abortError(signal);

  const aborted = whenAborted(signal);
  try {
    const walk = await Promise.race([collectFiles(paths, signal), aborted.promise]);
    const total = walk.files.length;
    onProgress?.(0, total);

    const outcomes: FileOutcome[] = new Array(total);
    let next = 0;
    let processed = 0;
    const worker = async (): Promise<void> => {
      while (next < total && !signal?.aborted) {
        const index = next++;
        outcomes[index] = await inspectFile(walk.files[index], opts.prefixBytes);
        processed++;
        onProgress?.(processed, total);
      }
    };
    const workers = Array.from({ length: Math.min(concurrency, Math.max(1, total)) }, worker);
    await Promise.race([Promise.all(workers), aborted.promise]);
    if (signal?.aborted) throw abortError(signal);

    // Duplicates are decided in walk order, so the result does not depend on read timing.
    const firstPathBySopUid = new Map<string, string>();
    const records: KeyedRecord[] = [];
    const errors: ImportError[] = [...walk.errors];
    for (const outcome of outcomes) {
      if (outcome.kind === 'error') {
        errors.push(outcome.error);
        continue;
      }
      const { sopInstanceUid, path } = outcome.record.instance;
      const firstPath = firstPathBySopUid.get(sopInstanceUid);
      if (firstPath !== undefined) {
        errors.push({ path, code: 'duplicate', reason: `same SOP Instance UID ${sopInstanceUid} as ${firstPath}` });
        continue;
      }
      firstPathBySopUid.set(sopInstanceUid, path);
      records.push({ ...outcome.record, fileKey: registry.register(path) });
    }
    return { patients: buildStudyTree(records), errors, fileCount: total + walk.errors.length };
  } finally {
    aborted.dispose();
  }
}
