// What the indexer asks of a header reader: decide what each file is, from its header, in order.
// The indexer's own logic (walk, selection, progress, duplicates, tree) does not care where the
// bytes are parsed: in this thread (core/dicom/in-thread-header-reader.ts, for the indexer's tests)
// or on sandboxed reader threads (core/sandbox/header-sandbox.ts, wherever real files are imported).
import type { FileOutcome } from './inspect-file';

/** A file's size and modification time. */
export interface FileStat {
  size: number;
  mtimeMs: number;
}

export interface HeaderReadRequest {
  files: string[];
  /** Bytes read first from each file; grown while the header is longer. */
  prefixBytes: number;
  /** Also report each file's size and modification time as they were before its bytes were read. */
  statFiles: boolean;
  signal?: AbortSignal;
  /** Called as files are decided, with how many of `files` are decided so far. */
  onDecided?: (decided: number) => void;
}

export interface HeaderReadResult {
  /** Parallel to the request's files. */
  outcomes: FileOutcome[];
  /** Parallel to the request's files (with `statFiles`): size and time before the read, null where it could not be had. */
  stats: Array<FileStat | null>;
}

export interface HeaderReader {
  /**
   * Decides every file exactly once: an instance, or an error naming the file and the reason.
   * Rejects only when cancelled through the request's signal.
   */
  readHeaders(request: HeaderReadRequest): Promise<HeaderReadResult>;
  /** The walk has found `count` files so far: a reader may start its threads while the walk goes on. */
  expectFiles?(count: number): void;
}
