// DICOM headers parsed on reader threads, within the pool's limits: the header reader every real
// import uses (app service, CLI index and render). Files go in batches of 64 per message, so
// messaging stays a small part of the work; a batch whose thread dies or runs out of time is read
// again one file per task, so only the guilty file fails (with the reason) and the import goes on.
import { availableParallelism } from 'node:os';
import type { ImportError } from '../contract/dicom';
import type { FileStat, HeaderReader, HeaderReadRequest, HeaderReadResult } from '../dicom/header-reader';
import type { FileOutcome } from '../dicom/inspect-file';
import { abortError } from '../dicom/walk';
import type { ReaderTaskArgs } from './reader-tasks';
import { defaultReaderEntry } from './worker-entry';
import { SandboxFailure, WorkerPool, type WorkerPoolOptions } from './worker-pool';

export interface HeaderSandboxOptions extends Partial<WorkerPoolOptions> {
  /** Files per task (default 64). */
  batchSize?: number;
  /** Time limit of one batch (default 60 s); a batch that runs out is read again file by file. */
  batchTimeLimitMs?: number;
  /** Time limit of one file read on its own (default 20 s): past it, that file fails. */
  fileTimeLimitMs?: number;
}

/** Two of the prefix reader's batches: the second is read while the first is parsed (bench/index.bench.ts: 32 and 64 within noise, 64 a little ahead). */
export const HEADER_BATCH_SIZE = 64;
const BATCH_TIME_LIMIT_MS = 60_000;
const FILE_TIME_LIMIT_MS = 20_000;

/**
 * Reader threads for headers: one core is left to the main thread (its socket, the page, SQLite writes),
 * and no more than 4 (each parses ~10,000 headers/s; the disk or the catalog writes limit long before,
 * and each thread is tens of MiB).
 */
export const headerThreadCount = (): number => Math.min(4, Math.max(1, availableParallelism() - 1));

export class HeaderSandbox implements HeaderReader {
  readonly pool: WorkerPool;
  readonly batchSize: number;
  private readonly batchTimeLimitMs: number;
  private readonly fileTimeLimitMs: number;
  /** Reader threads at most (started on first need). */
  readonly threads: number;

  constructor(options: HeaderSandboxOptions = {}) {
    this.threads = Math.max(1, options.size ?? headerThreadCount());
    this.pool = new WorkerPool({ ...options, size: this.threads, entry: options.entry ?? defaultReaderEntry() });
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? HEADER_BATCH_SIZE));
    this.batchTimeLimitMs = options.batchTimeLimitMs ?? BATCH_TIME_LIMIT_MS;
    this.fileTimeLimitMs = options.fileTimeLimitMs ?? FILE_TIME_LIMIT_MS;
  }

  async readHeaders(request: HeaderReadRequest): Promise<HeaderReadResult> {
    const { files, signal } = request;
    const outcomes: FileOutcome[] = new Array(files.length);
    const stats: Array<FileStat | null> = new Array<FileStat | null>(files.length).fill(null);
    const batchCount = Math.ceil(files.length / this.batchSize);
    let nextBatch = 0;
    let decided = 0;
    // Two batches per thread in flight: each thread has its next batch while its last answer crosses back.
    // Cancel stops the handing out; a batch in flight is let finish and its answer dropped.
    const lane = async (): Promise<void> => {
      while (nextBatch < batchCount && !signal?.aborted) {
        const start = nextBatch++ * this.batchSize;
        const paths = files.slice(start, start + this.batchSize);
        const read = await this.readBatch(paths, request);
        if (signal?.aborted) return;
        read.outcomes.forEach((outcome, i) => (outcomes[start + i] = outcome));
        read.stats.forEach((stat, i) => (stats[start + i] = stat));
        decided += paths.length;
        request.onDecided?.(decided);
      }
    };
    await Promise.all(Array.from({ length: Math.min(batchCount, this.threads * 2) }, lane));
    if (signal?.aborted) throw abortError(signal);
    return { outcomes, stats };
  }

  /** Stops the threads; a batch in flight has its files fail as the sandbox closed. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private async readBatch(paths: string[], request: HeaderReadRequest): Promise<HeaderReadResult> {
    const args = { paths, prefixBytes: request.prefixBytes, statFiles: request.statFiles } satisfies ReaderTaskArgs['indexHeaders'];
    const timeoutMs = paths.length === 1 ? this.fileTimeLimitMs : this.batchTimeLimitMs;
    try {
      return await this.pool.run<HeaderReadResult>('indexHeaders', args, { timeoutMs });
    } catch (e) {
      if (paths.length === 1) return { outcomes: [readerStopped(paths[0], e)], stats: [null] };
    }
    // One of these files stopped the thread (or the batch ran out of time): each on its own, so only that one fails.
    const outcomes: FileOutcome[] = [];
    const stats: Array<FileStat | null> = [];
    for (const filePath of paths) {
      if (request.signal?.aborted) break; // the caller drops this batch
      const single = await this.readBatch([filePath], request);
      outcomes.push(single.outcomes[0]);
      stats.push(single.stats[0]);
    }
    return { outcomes, stats };
  }
}

/** The file whose reader thread stopped (died, ran out of time or memory, or was closed), with why in words. */
function readerStopped(filePath: string, e: unknown): FileOutcome {
  const why = e instanceof SandboxFailure ? e.reason : e instanceof Error ? `it failed unexpectedly (${e.name}: ${e.message})` : `it failed unexpectedly (${String(e)})`;
  const code: ImportError['code'] = e instanceof SandboxFailure && (e.kind === 'timeout' || e.kind === 'closed') ? 'unreadable' : 'malformed';
  return { kind: 'error', error: { path: filePath, code, reason: `the header reader stopped: ${why}` } };
}

let shared: HeaderSandbox | null = null;

/**
 * One header sandbox for callers with no owner of their own to close it (the CLI's index and render):
 * started on first use, never closed; idle, its threads do not keep the process alive.
 */
export function sharedHeaderSandbox(): HeaderSandbox {
  shared ??= new HeaderSandbox();
  return shared;
}
