// The embedding table (search.db beside catalog.db in the data home): one row per image (file path + frame) and
// model version, holding the unit vector or the reason the image failed, and the file stamp it was computed from.
import path from 'node:path';
import type { EmbeddingModel } from '../contract/search';
import { databaseError, openDatabase, type Db } from '../db/open-database';
import { MIN_VECTOR_NORM, vectorNorm } from './top-k';
import { searchMigrations } from './schema';

export const SEARCH_DB_FILE = 'search.db';

/**
 * The most memory search keeps for one model's vectors (count × dim × 4 bytes): 512 MiB, about 524k images at
 * 256 values (100k × 256 is 100 MB). Above it search refuses with MatrixTooLarge rather than exhaust the
 * app's memory (core/search/README.md).
 */
export const MAX_MATRIX_BYTES = 512 * 1024 * 1024;

/** Rows read per chunk when the matrix is loaded in the background (about 1 MB of blobs at 256 values). */
export const VECTOR_CHUNK_ROWS = 1000;

/** search.db holds more vectors than search keeps in memory. */
export class MatrixTooLarge extends Error {
  constructor(
    readonly count: number,
    readonly dim: number,
    file: string,
    maxBytes: number,
  ) {
    const mib = (bytes: number) => `${+(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 4 : 0)} MiB`;
    super(
      `${file} holds ${count} embeddings of ${dim} values (${mib(count * dim * 4)}): more than the ${mib(maxBytes)} ` +
        `search keeps in memory (${Math.floor(maxBytes / (dim * 4))} images at this size)`,
    );
    this.name = 'MatrixTooLarge';
  }
}

/** A catalogued image: a file and its 1-based frame. */
export interface ImageRef {
  filePath: string;
  frame: number;
}

/** The file as the catalog knows it: a stored row with another stamp is stale. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

/** What is stored for an image under one model version. */
export interface StoredState extends FileStamp {
  kind: 'vector' | 'failed';
}

/** The stored vectors of one model version as one matrix, row i belonging to refs[i]. */
export interface VectorMatrix {
  dim: number;
  refs: Array<ImageRef & FileStamp & { seriesKey: string }>;
  /** refs.length · dim values, row-major. */
  matrix: Float32Array;
}

/** The map key of an image: path and frame (a NUL cannot be in a path). */
export const imageKey = (ref: ImageRef): string => `${ref.filePath}\0${ref.frame}`;

/** A vector as it is stored: its float32 values' bytes (little-endian on every platform Vesalius runs on). */
const blobOf = (vector: Float32Array): Buffer => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

interface VectorRow {
  file_path: string;
  frame: number;
  series_key: string;
  file_size: number;
  file_mtime_ms: number;
  vector: Buffer;
}

/** Why a stored blob cannot be used as a vector of `dim` unit-length values, or null when it can. */
function blobProblem(blob: Buffer, dim: number, values: Float32Array): string | null {
  if (blob.byteLength !== dim * 4) return `holds ${blob.byteLength} bytes, not ${dim} float32 values (${dim * 4} bytes)`;
  for (let i = 0; i < dim; i++) if (!Number.isFinite(values[i])) return `value ${i} is ${values[i]}`;
  const norm = vectorNorm(values);
  if (Math.abs(norm - 1) > 1e-3 || norm < MIN_VECTOR_NORM) return `is not a unit vector (length ${norm})`;
  return null;
}

export class EmbeddingStore {
  /** Counts this connection's writes, so a cached matrix knows it is stale (data_version counts only other connections'). */
  private writes = 0;

  private constructor(
    private readonly db: Db,
    /** The database file, named in every error. */
    readonly file: string,
    private readonly maxMatrixBytes: number,
  ) {}

  /**
   * Opens (creating and migrating) `<home>/search.db`. Throws a DatabaseError naming the file.
   * `maxMatrixBytes`: the memory bound of one matrix read (MAX_MATRIX_BYTES; tests set a small one).
   */
  static open(home: string, opts: { maxMatrixBytes?: number } = {}): EmbeddingStore {
    const file = path.join(home, SEARCH_DB_FILE);
    // NORMAL: embeddings are derived from the files and the model; a lost last commit is computed again.
    return new EmbeddingStore(openDatabase(file, { migrations: searchMigrations, synchronous: 'NORMAL' }), file, opts.maxMatrixBytes ?? MAX_MATRIX_BYTES);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Changes whenever anyone (this connection or another process on the same home) commits to the file. */
  version(): string {
    return `${this.db.pragma('data_version', { simple: true }) as number}.${this.writes}`;
  }

  /** What is stored for each image under this model version (a blob of the wrong size counts as nothing stored). */
  states(model: EmbeddingModel): Map<string, StoredState> {
    const rows = this.query('read the stored embeddings', () =>
      this.db
        .prepare<[string, string, number, number], { file_path: string; frame: number; file_size: number; file_mtime_ms: number; failed: number }>(
          `SELECT file_path, frame, file_size, file_mtime_ms, vector IS NULL AS failed FROM embeddings
           WHERE model_name = ? AND model_version = ? AND (vector IS NULL OR (dim = ? AND length(vector) = ?))`,
        )
        .all(model.name, model.version, model.dim, model.dim * 4),
    );
    const states = new Map<string, StoredState>();
    for (const row of rows) {
      states.set(imageKey({ filePath: row.file_path, frame: row.frame }), { kind: row.failed ? 'failed' : 'vector', size: row.file_size, mtimeMs: row.file_mtime_ms });
    }
    return states;
  }

  /** Stores an image's unit vector (replacing what was stored for it under this model version). */
  putVector(ref: ImageRef, stamp: FileStamp, seriesKey: string, model: EmbeddingModel, vector: Float32Array): void {
    if (vector.length !== model.dim) throw new Error(`${ref.filePath} frame ${ref.frame}: the embedding has ${vector.length} values but ${model.name} ${model.version} gives ${model.dim}`);
    this.put(ref, stamp, seriesKey, model, blobOf(vector), null);
  }

  /** Records why an image cannot be embedded, so it is not tried again until its file changes. */
  putFailure(ref: ImageRef, stamp: FileStamp, seriesKey: string, model: EmbeddingModel, reason: string): void {
    this.put(ref, stamp, seriesKey, model, null, reason);
  }

  /**
   * The stored vector of one image under this model version, or null (none, failed, or corrupt; or, given
   * `stamp`, computed from the file at another size/mtime).
   */
  vectorOf(ref: ImageRef, model: EmbeddingModel, stamp?: FileStamp): Float32Array | null {
    const row = this.query('read an embedding', () =>
      this.db
        .prepare<[string, number, string, string], { vector: Buffer | null; dim: number; file_size: number; file_mtime_ms: number }>(
          'SELECT vector, dim, file_size, file_mtime_ms FROM embeddings WHERE file_path = ? AND frame = ? AND model_name = ? AND model_version = ?',
        )
        .get(ref.filePath, ref.frame, model.name, model.version),
    );
    if (!row?.vector || row.dim !== model.dim || row.vector.byteLength !== model.dim * 4) return null;
    if (stamp && (row.file_size !== stamp.size || row.file_mtime_ms !== stamp.mtimeMs)) return null;
    const values = new Float32Array(model.dim);
    new Uint8Array(values.buffer).set(row.vector);
    return blobProblem(row.vector, model.dim, values) === null ? values : null;
  }

  /**
   * Every usable vector of this model version as one matrix, in storage order (callers order by the catalog).
   * Corrupt rows (a blob of the wrong size, non-finite values, not unit length) are deleted so the next indexing
   * run computes them again; `corrupt` says how many. Throws a MatrixTooLarge above MAX_MATRIX_BYTES.
   */
  vectors(model: EmbeddingModel): VectorMatrix & { corrupt: number } {
    const reading = this.readVectors(model);
    for (let step = reading.next(); ; step = reading.next()) if (step.done) return step.value;
  }

  /**
   * The same read as vectors(), `chunkRows` rows at a time, giving the event loop a turn between chunks (100k
   * vectors are 100 MB of blobs: read in one go they block the service for seconds). `stopped()` is asked
   * between chunks: true abandons the read (the store is closing) and resolves null.
   */
  async vectorsInChunks(model: EmbeddingModel, chunkRows = VECTOR_CHUNK_ROWS, stopped: () => boolean = () => false): Promise<(VectorMatrix & { corrupt: number }) | null> {
    const reading = this.readVectors(model, chunkRows);
    for (let step = reading.next(); ; step = reading.next()) {
      if (step.done) return step.value;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (stopped() || !this.db.open) {
        reading.return(null as never);
        return null;
      }
    }
  }

  /**
   * The one reader behind vectors() and vectorsInChunks(): pages of `chunkRows` rows by rowid (the model index
   * keeps rowid order, so no sort over the blobs and no row objects kept), yielding after each page.
   */
  private *readVectors(model: EmbeddingModel, chunkRows = Number.MAX_SAFE_INTEGER): Generator<void, VectorMatrix & { corrupt: number }> {
    const { dim } = model;
    const refs: VectorMatrix['refs'] = [];
    const corrupt: ImageRef[] = [];
    const count = this.query('read the stored embeddings', () =>
      this.db
        .prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM embeddings WHERE model_name = ? AND model_version = ? AND vector IS NOT NULL')
        .get(model.name, model.version)!.n,
    );
    const bytesNeeded = count * dim * 4;
    if (bytesNeeded > this.maxMatrixBytes) throw new MatrixTooLarge(count, dim, this.file, this.maxMatrixBytes);
    // Rows added while the pages are read (an indexing run) beyond the count wait for the next read.
    const values = new Float32Array(count * dim);
    const bytes = new Uint8Array(values.buffer);
    const page = this.db.prepare<[string, string, number, number], VectorRow & { id: number }>(
      `SELECT rowid AS id, file_path, frame, series_key, file_size, file_mtime_ms, vector FROM embeddings
       WHERE model_name = ? AND model_version = ? AND vector IS NOT NULL AND rowid > ? ORDER BY rowid LIMIT ?`,
    );
    let after = Number.MIN_SAFE_INTEGER;
    let seen = 0;
    while (seen < count) {
      const rows = this.query('read the stored embeddings', () => page.all(model.name, model.version, after, Math.min(chunkRows, count - seen)));
      if (rows.length === 0) break;
      for (const row of rows) {
        seen++;
        after = row.id;
        const offset = refs.length * dim;
        if (row.vector.byteLength === dim * 4) bytes.set(row.vector, offset * 4);
        if (blobProblem(row.vector, dim, values.subarray(offset, offset + dim)) !== null) {
          corrupt.push({ filePath: row.file_path, frame: row.frame });
          values.fill(0, offset, offset + dim);
          continue;
        }
        refs.push({ filePath: row.file_path, frame: row.frame, seriesKey: row.series_key, size: row.file_size, mtimeMs: row.file_mtime_ms });
      }
      if (seen < count) yield;
    }
    if (corrupt.length > 0) this.remove(corrupt, model);
    return { dim, refs, matrix: values.subarray(0, refs.length * dim), corrupt: corrupt.length };
  }

  /** Deletes the rows (every model version) of files not in `keep`; returns how many rows went. */
  removeFilesExcept(keep: ReadonlySet<string>): number {
    const paths = this.query('read the stored embeddings', () =>
      this.db.prepare<[], { file_path: string }>('SELECT DISTINCT file_path FROM embeddings').all(),
    ).map((r) => r.file_path);
    const gone = paths.filter((p) => !keep.has(p));
    if (gone.length === 0) return 0;
    const del = this.db.prepare<[string]>('DELETE FROM embeddings WHERE file_path = ?');
    let removed = 0;
    this.write('remove embeddings of files no longer in the catalog', () => {
      for (const p of gone) removed += del.run(p).changes;
    });
    return removed;
  }

  /** Runs `work` (several puts) as one commit: for loading many rows at once (an import of precomputed vectors, the bench). */
  batch(work: () => void): void {
    this.write('store embeddings', work);
  }

  private remove(refs: ImageRef[], model: EmbeddingModel): void {
    const del = this.db.prepare<[string, number, string, string]>('DELETE FROM embeddings WHERE file_path = ? AND frame = ? AND model_name = ? AND model_version = ?');
    this.write('remove corrupt embeddings', () => {
      for (const ref of refs) del.run(ref.filePath, ref.frame, model.name, model.version);
    });
  }

  private put(ref: ImageRef, stamp: FileStamp, seriesKey: string, model: EmbeddingModel, vector: Buffer | null, failure: string | null): void {
    this.write('store an embedding', () =>
      this.db
        .prepare(
          `INSERT INTO embeddings (file_path, frame, series_key, model_name, model_version, dim, file_size, file_mtime_ms, vector, failure, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (file_path, frame, model_name, model_version) DO UPDATE SET series_key = excluded.series_key, dim = excluded.dim,
             file_size = excluded.file_size, file_mtime_ms = excluded.file_mtime_ms, vector = excluded.vector, failure = excluded.failure,
             updated_at = excluded.updated_at`,
        )
        .run(ref.filePath, ref.frame, seriesKey, model.name, model.version, model.dim, stamp.size, stamp.mtimeMs, vector, failure, Date.now()),
    );
  }

  private query<T>(action: string, work: () => T): T {
    try {
      return work();
    } catch (e) {
      throw databaseError(this.file, action, e);
    }
  }

  private write(action: string, work: () => void): void {
    this.writes++;
    try {
      this.db.transaction(work)();
    } catch (e) {
      throw databaseError(this.file, action, e);
    }
  }
}
