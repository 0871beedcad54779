// For the search tests: a deterministic fake embedding model and a small catalog of our own tiny studies.
import { Catalog } from '../catalog/catalog';
import { err, ok, type Result } from '../contract/result';
import type { EmbeddingModel } from '../contract/search';
import type { RawImage } from '../model/preprocess';
import type { EmbeddingAnswer, EmbeddingClient, EmbeddingPort } from './embedding-port';
import { EmbeddingStore } from './embedding-store';
import { unitVector } from './top-k';

export const FAKE_MODEL: EmbeddingModel = { name: 'fake-embedder', version: '1.0.0', dim: 4 };

/** Calls the fake saw, for assertions on what was (not) embedded again. */
export interface FakeCalls {
  images: RawImage[];
  /** The priority each embedImage call asked for (undefined: the default, interactive). */
  imagePriorities: Array<string | undefined>;
  texts: string[];
}

/**
 * A fake model whose image vector depends only on the pixels (mean, spread, size), and whose text vector is the
 * vector of an image filled with the number the text names ("value 3" ≈ an image of 3s): deterministic, so
 * ranking is predictable. `failWhen(image)` makes it answer a model error for chosen images.
 */
export function fakeEmbeddingPort(model: EmbeddingModel = FAKE_MODEL, failWhen?: (image: RawImage) => string | null): EmbeddingPort & { calls: FakeCalls } {
  const calls: FakeCalls = { images: [], imagePriorities: [], texts: [] };
  const vectorOfValue = (value: number, spread: number, size: number): Float32Array => {
    const v = [Math.cos(value / 10), Math.sin(value / 10), spread, size / 1000];
    return unitVector(v.slice(0, model.dim).concat(Array(Math.max(0, model.dim - v.length)).fill(0.1)), 'fake');
  };
  return {
    model,
    calls,
    async embedImage(image, options): Promise<Result<Float32Array>> {
      calls.images.push(image);
      calls.imagePriorities.push(options?.priority);
      const failure = failWhen?.(image);
      if (failure) return err('model_error', failure);
      let sum = 0;
      let max = -Infinity;
      let min = Infinity;
      for (const value of image.data) {
        const v = image.kind === 'hu' ? value * (image.slope ?? 1) + (image.intercept ?? 0) : value;
        sum += v;
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
      return ok(vectorOfValue(sum / image.data.length, max - min, image.width * image.height));
    },
    async embedText(text): Promise<Result<Float32Array>> {
      calls.texts.push(text);
      const value = Number(/-?\d+(\.\d+)?/.exec(text)?.[0] ?? Number.NaN);
      if (!Number.isFinite(value)) return err('bad_input', `the fake model understands only "value N", not "${text}"`);
      return ok(vectorOfValue(value, 0, 16));
    },
  };
}

/** The fake model as the inference client answers (what the composition roots inject), with the answers' version. */
export function fakeEmbeddingClient(model: EmbeddingModel, failWhen?: (image: RawImage) => string | null): EmbeddingClient & { calls: FakeCalls } {
  const port = fakeEmbeddingPort(model, failWhen);
  const answer = (result: Result<Float32Array>): Result<EmbeddingAnswer> => (result.ok ? ok({ model: model.name, version: model.version, embedding: result.value }) : result);
  return {
    calls: port.calls,
    embedImage: async (image, options) => answer(await port.embedImage(image, options)),
    embedText: async (text) => answer(await port.embedText(text)),
  };
}

/** The file path of synthetic image `row` (sorted as the rows: the catalog's order is the matrix's). */
export const syntheticImagePath = (row: number): string => `/synthetic/${String(row).padStart(7, '0')}.dcm`;

/**
 * A catalog of `matrix.length / model.dim` single-frame CT images in one series (files never read: their rows
 * say present) and their vectors in search.db, one commit each: for the bench and the matrix-load tests.
 */
export function syntheticSearchHome(home: string, model: EmbeddingModel, matrix: Float32Array, storeOptions: { maxMatrixBytes?: number } = {}): { catalog: Catalog; store: EmbeddingStore } {
  const rows = matrix.length / model.dim;
  const catalog = Catalog.open(home);
  const db = catalog.db;
  db.transaction(() => {
    db.prepare(`INSERT INTO patients (id, patient_key, patient_id, patient_name, birth_date, sex) VALUES (1, 'id:1', '1', 'Synthetic', '', '')`).run();
    db.prepare(`INSERT INTO studies (id, study_key, patient_row, study_date, study_time, description, accession_number, imported_at) VALUES (1, '1.2.3', 1, '', '', '', '', 0)`).run();
    db.prepare(`INSERT INTO series (id, series_key, study_row, series_number, modality, description) VALUES (1, '1.2.3.4', 1, 1, 'CT', 'synthetic')`).run();
    const file = db.prepare(`INSERT INTO files (id, path, size, mtime_ms, status, last_seen_ms) VALUES (?, ?, 1, 1, 'present', 0)`);
    const instance = db.prepare(
      `INSERT INTO instances (sop_instance_uid, series_row, file_row, file_key, sop_class_uid, number_of_frames, rows, columns, transfer_syntax_uid) VALUES (?, 1, ?, ?, '1.2.840.10008.5.1.4.1.1.2', 1, 512, 512, '1.2.840.10008.1.2.1')`,
    );
    for (let r = 0; r < rows; r++) {
      file.run(r + 1, syntheticImagePath(r));
      instance.run(`1.2.3.4.${r + 1}`, r + 1, `key${r}`);
    }
  })();
  const store = EmbeddingStore.open(home, storeOptions);
  store.batch(() => {
    for (let r = 0; r < rows; r++) {
      store.putVector({ filePath: syntheticImagePath(r), frame: 1 }, { size: 1, mtimeMs: 1 }, '1.2.3.4', model, matrix.subarray(r * model.dim, (r + 1) * model.dim));
    }
  });
  return { catalog, store };
}
