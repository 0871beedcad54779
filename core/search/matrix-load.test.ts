// The search matrix read from search.db: in chunks (the same rows as one read, corrupt rows dropped), in the
// background after start with searches waiting for that one read, and refused plainly above the memory bound.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ok } from '../contract/result';
import type { EmbeddingModel } from '../contract/search';
import { JobRegistry } from '../jobs/job-registry';
import { seededRandom } from '../metrics/test-volumes';
import type { ModelFolder } from '../model/config';
import type { Catalog } from '../catalog/catalog';
import { EmbeddingStore } from './embedding-store';
import { SearchService } from './search-service';
import { syntheticImagePath, syntheticSearchHome } from './test-helpers';
import { topKBySort, unitVector } from './top-k';

const MODEL: EmbeddingModel = { name: 'load-model', version: '2', dim: 8 };

function unitRows(rows: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const matrix = new Float32Array(rows * MODEL.dim);
  for (let r = 0; r < rows; r++) matrix.set(unitVector(Array.from({ length: MODEL.dim }, () => random() * 2 - 1), 'row'), r * MODEL.dim);
  return matrix;
}

const homes: string[] = [];
const opened: Array<{ catalog: Catalog; store: EmbeddingStore }> = [];
afterEach(() => {
  for (const { catalog, store } of opened.splice(0)) {
    store.close();
    catalog.close();
  }
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

function home(rows: number, storeOptions: { maxMatrixBytes?: number } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vesalius-matrix-load-'));
  homes.push(dir);
  const matrix = unitRows(rows, rows);
  const made = syntheticSearchHome(dir, MODEL, matrix, storeOptions);
  opened.push(made);
  return { ...made, matrix, dir };
}

/** A service over the home whose text query is `query`, counting the store's matrix reads. */
function service(catalog: Catalog, store: EmbeddingStore, query: Float32Array) {
  const folder = { name: MODEL.name, config: { version: MODEL.version, embeddings: { embed_dim: MODEL.dim } }, onnxPaths: { imageEmbed: 'x', textEmbed: 'x' } } as unknown as ModelFolder;
  const answer = async () => ok({ model: MODEL.name, version: MODEL.version, embedding: query });
  const client = { embedText: answer, embedImage: answer };
  let reads = 0;
  const read = store.vectorsInChunks.bind(store);
  store.vectorsInChunks = (...args) => {
    reads++;
    return read(...args);
  };
  const search = new SearchService({ catalog, store, jobs: new JobRegistry(), decode: async () => ({ ok: false, reason: 'not read' }), inference: () => ok({ folder, client }) });
  return { search, reads: () => reads };
}

describe('reading the matrix in chunks', () => {
  it('gives the same rows and values as one read, and drops a corrupt row in either', async () => {
    const { dir, store, matrix } = home(23);
    const whole = store.vectors(MODEL);
    expect(whole.refs.map((r) => r.filePath)).toEqual(Array.from({ length: 23 }, (_, r) => syntheticImagePath(r)));
    expect(Array.from(whole.matrix)).toEqual(Array.from(matrix));
    const chunked = await store.vectorsInChunks(MODEL, 5);
    expect(chunked).toEqual(whole);

    // Row 7's blob cut short: both reads leave it out (and delete it, so indexing computes it again).
    const raw = (await import('better-sqlite3')).default(path.join(dir, 'search.db'));
    raw.prepare('UPDATE embeddings SET vector = ? WHERE file_path = ?').run(Buffer.alloc(12), syntheticImagePath(7));
    raw.close();
    const afterCorruption = await store.vectorsInChunks(MODEL, 4);
    expect(afterCorruption?.corrupt).toBe(1);
    expect(afterCorruption?.refs.map((r) => r.filePath)).not.toContain(syntheticImagePath(7));
    expect(afterCorruption?.refs).toHaveLength(22);
    expect(store.vectors(MODEL).refs).toHaveLength(22);
  });

  it('gives the event loop a turn between chunks and stops when asked', async () => {
    const { store } = home(30);
    // A callback queued after the read began runs before it ends: one read in a go would end first.
    const turnsSeen: string[] = [];
    const done = store.vectorsInChunks(MODEL, 4);
    setImmediate(() => turnsSeen.push('turn'));
    expect((await done)?.refs).toHaveLength(30);
    expect(turnsSeen).toEqual(['turn']);
    let asked = 0;
    expect(await store.vectorsInChunks(MODEL, 4, () => ++asked === 3)).toBeNull();
    expect(asked).toBe(3);
  });
});

describe('the matrix after start', () => {
  it('is read once in the background; a search arriving during the read waits for it and ranks as a full sort', async () => {
    const { catalog, store, matrix } = home(2500);
    const query = unitRows(1, 99);
    const { search, reads } = service(catalog, store, query);
    const preload = search.preload();
    const during = search.searchText('anything', 5);
    const [, results] = await Promise.all([preload, during]);
    expect(reads()).toBe(1);
    expect(results.ok).toBe(true);
    if (!results.ok) return;
    const expected = topKBySort(matrix, MODEL.dim, query, 5).map(({ row, score }) => ({ filePath: syntheticImagePath(row), score }));
    expect(results.value.results.map(({ filePath, score }) => ({ filePath, score }))).toEqual(expected);
    expect(results.value.searched).toBe(2500);
    // Nothing changed: the next search reads nothing.
    await search.searchText('again', 5);
    expect(reads()).toBe(1);
  });

  it('is read again once search.db changed', async () => {
    const { catalog, store } = home(10);
    const { search, reads } = service(catalog, store, unitRows(1, 5));
    await search.preload();
    store.putFailure({ filePath: syntheticImagePath(3), frame: 1 }, { size: 1, mtimeMs: 1 }, '1.2.3.4', MODEL, 'test: now failed');
    const results = await search.searchText('anything', 20);
    expect(reads()).toBe(2);
    expect(results.ok && results.value.searched).toBe(9);
  });

  it('is refused in words above the memory bound, naming the count and the bound', async () => {
    const { catalog, store } = home(11, { maxMatrixBytes: 10 * MODEL.dim * 4 });
    const { search } = service(catalog, store, unitRows(1, 5));
    await search.preload();
    const results = await search.searchText('anything', 5);
    expect(results.ok).toBe(false);
    if (results.ok) return;
    expect(results.error.code).toBe('unsupported');
    expect(results.error.message).toMatch(/holds 11 embeddings of 8 values .*search keeps in memory \(10 images at this size\)/);
  });
});
