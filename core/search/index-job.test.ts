import { mkdtemp, rm, utimes, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog';
import { importIntoCatalog } from '../catalog/import';
import { writeTinyStudy } from '../catalog/test-fixtures';
import { catalogImages } from './catalog-images';
import { EmbeddingStore, SEARCH_DB_FILE } from './embedding-store';
import type { DecodeFrame } from './frame-image';
import { indexCatalog, MAX_MODEL_ERRORS_IN_A_ROW } from './index-job';
import { FAKE_MODEL, fakeEmbeddingPort } from './test-helpers';

let home: string;
let catalog: Catalog;
let store: EmbeddingStore;

/** A decoder that reads nothing: an image of the frame's slice number (from the file name), 4×4, as HU. */
const decodeByName: DecodeFrame = async (filePath, frame) => {
  const slice = Number(/slice-(\d+)/.exec(filePath)?.[1]);
  if (filePath.includes('broken')) return { ok: false, reason: 'the pixel data is truncated' };
  return { ok: true, image: { kind: 'hu', width: 4, height: 4, data: new Float32Array(16).fill(slice * 10 + frame - 1) } };
};

const never = new AbortController().signal;

beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'vesalius-search-job-'));
  catalog = Catalog.open(home);
  store = EmbeddingStore.open(home);
  await writeTinyStudy(path.join(home, 'files', 'a'), { patientName: 'A', patientId: '1', studyDate: '20240101', modality: 'CT', studyDescription: 'chest', slices: 3 });
  await writeTinyStudy(path.join(home, 'files', 'b'), { patientName: 'B', patientId: '2', studyDate: '20240102', modality: 'MR', studyDescription: 'head', slices: 2 });
  await importIntoCatalog(catalog, [path.join(home, 'files')]);
});

afterEach(async () => {
  store.close();
  catalog.close();
  await rm(home, { recursive: true, force: true });
});

describe('indexCatalog', () => {
  it('embeds every present image, reports progress up to the total and stores unit vectors', async () => {
    const port = fakeEmbeddingPort();
    const seen: Array<[number, number]> = [];
    const summary = await indexCatalog({ store, images: () => catalogImages(catalog), port, decode: decodeByName }, never, (d, t) => seen.push([d, t]));
    expect(summary).toMatchObject({ embedded: 5, skipped: 0, failed: [], failedCount: 0, removed: 0, model: FAKE_MODEL });
    expect(seen[0]).toEqual([0, 5]);
    expect(seen.at(-1)).toEqual([5, 5]);
    expect(seen.map(([d]) => d)).toEqual([0, 1, 2, 3, 4, 5]);
    // Indexing is background work: a caption or search asked meanwhile goes to the worker first.
    expect(port.calls.imagePriorities).toEqual(Array(5).fill('background'));
    const stored = store.vectors(FAKE_MODEL);
    expect(stored.refs).toHaveLength(5);
    expect(stored.corrupt).toBe(0);
    for (let r = 0; r < 5; r++) expect(Math.hypot(...stored.matrix.subarray(r * 4, r * 4 + 4))).toBeCloseTo(1, 5);
  });

  it('resumes: a second run skips what is stored; a cancelled run keeps what it finished', async () => {
    const controller = new AbortController();
    const port = fakeEmbeddingPort();
    const deps = { store, images: () => catalogImages(catalog), port, decode: decodeByName };
    const cancelled = indexCatalog(deps, controller.signal, (done) => {
      if (done === 2) controller.abort();
    });
    await expect(cancelled).rejects.toThrow(/cancelled/);
    expect(store.vectors(FAKE_MODEL).refs).toHaveLength(2);

    const again = fakeEmbeddingPort();
    const resumed = await indexCatalog({ ...deps, port: again }, never, () => {});
    expect(resumed).toMatchObject({ embedded: 3, skipped: 2 });
    expect(again.calls.images).toHaveLength(3);
    const third = fakeEmbeddingPort();
    expect(await indexCatalog({ ...deps, port: third }, never, () => {})).toMatchObject({ embedded: 0, skipped: 5 });
    expect(third.calls.images).toHaveLength(0);
  });

  it('embeds a changed file again (size or time as the catalog knows it), and another model version from scratch', async () => {
    const deps = { store, images: () => catalogImages(catalog), port: fakeEmbeddingPort(), decode: decodeByName };
    await indexCatalog(deps, never, () => {});
    const file = catalogImages(catalog)[0].filePath;
    await writeFile(file, await readFile(file));
    await utimes(file, new Date(), new Date(Date.now() + 60_000));
    await importIntoCatalog(catalog, [path.join(home, 'files')]);
    const port = fakeEmbeddingPort();
    expect(await indexCatalog({ ...deps, port }, never, () => {})).toMatchObject({ embedded: 1, skipped: 4 });
    expect(port.calls.images).toHaveLength(1);

    const newer = fakeEmbeddingPort({ ...FAKE_MODEL, version: '1.1.0' });
    expect(await indexCatalog({ ...deps, port: newer }, never, () => {})).toMatchObject({ embedded: 5, skipped: 0 });
    // Both versions are kept; each reads only its own.
    expect(store.vectors(FAKE_MODEL).refs).toHaveLength(5);
    expect(store.vectors({ ...FAKE_MODEL, version: '1.1.0' }).refs).toHaveLength(5);
  });

  it('records images that cannot be decoded with their reason and does not try them again', async () => {
    // One listed image the decoder refuses (a name it reads as broken).
    const images = () => catalogImages(catalog).map((i, n) => (n === 1 ? { ...i, filePath: i.filePath.replace('slice-', 'broken-slice-') } : i));
    const port = fakeEmbeddingPort();
    const summary = await indexCatalog({ store, images, port, decode: decodeByName }, never, () => {});
    expect(summary.failedCount).toBe(1);
    expect(summary.failed[0]).toMatchObject({ frame: 1, reason: 'cannot be decoded: the pixel data is truncated' });
    expect(summary.failed[0].filePath).toContain('broken-slice-');
    const again = fakeEmbeddingPort();
    expect(await indexCatalog({ store, images, port: again, decode: decodeByName }, never, () => {})).toMatchObject({ embedded: 0, skipped: 5, failedCount: 0 });
  });

  it('stops after model errors in a row (a dead worker), keeping what was stored; the next run resumes', async () => {
    let calls = 0;
    const port = fakeEmbeddingPort(FAKE_MODEL, () => (++calls > 1 ? 'the inference worker stopped' : null));
    const deps = { store, images: () => catalogImages(catalog), decode: decodeByName };
    await expect(indexCatalog({ ...deps, port }, never, () => {})).rejects.toThrow(new RegExp(`${MAX_MODEL_ERRORS_IN_A_ROW} images in a row failed`));
    expect(store.vectors(FAKE_MODEL).refs).toHaveLength(1);
    // Not the images' fault: nothing recorded against them, the next run embeds them.
    expect([...store.states(FAKE_MODEL).values()].filter((s) => s.kind === 'failed')).toHaveLength(0);
    expect(await indexCatalog({ ...deps, port: fakeEmbeddingPort() }, never, () => {})).toMatchObject({ embedded: 4, skipped: 1 });
  });

  it('drops the embeddings of files that left the catalog', async () => {
    const deps = { store, images: () => catalogImages(catalog), port: fakeEmbeddingPort(), decode: decodeByName };
    await indexCatalog(deps, never, () => {});
    const fewer = () => catalogImages(catalog).slice(2);
    expect(await indexCatalog({ ...deps, images: fewer }, never, () => {})).toMatchObject({ removed: 2, skipped: 3, embedded: 0 });
    expect(store.vectors(FAKE_MODEL).refs).toHaveLength(3);
  });
});

describe('EmbeddingStore', () => {
  it('leaves out and deletes a corrupt blob (wrong size, NaN, not unit length), so indexing computes it again', async () => {
    const deps = { store, images: () => catalogImages(catalog), port: fakeEmbeddingPort(), decode: decodeByName };
    await indexCatalog(deps, never, () => {});
    const [first, second, third] = catalogImages(catalog);
    const raw = new Database(path.join(home, SEARCH_DB_FILE));
    const set = raw.prepare('UPDATE embeddings SET vector = ? WHERE file_path = ?');
    set.run(Buffer.from([1, 2, 3]), first.filePath);
    set.run(Buffer.from(new Float32Array([Number.NaN, 0, 0, 0]).buffer), second.filePath);
    set.run(Buffer.from(new Float32Array([3, 0, 0, 0]).buffer), third.filePath);
    raw.close();
    expect(store.vectorOf(first, FAKE_MODEL)).toBeNull();
    expect(store.vectorOf(third, FAKE_MODEL)).toBeNull();
    const loaded = store.vectors(FAKE_MODEL);
    expect(loaded.corrupt).toBe(3);
    expect(loaded.refs.map((r) => r.filePath)).not.toContain(first.filePath);
    expect(loaded.refs).toHaveLength(2);
    const port = fakeEmbeddingPort();
    expect(await indexCatalog({ ...deps, port }, never, () => {})).toMatchObject({ embedded: 3, skipped: 2 });
  });

  it('refuses a vector of the wrong length', () => {
    expect(() => store.putVector({ filePath: '/x', frame: 1 }, { size: 1, mtimeMs: 1 }, 'derived:000000000000000000000000', FAKE_MODEL, new Float32Array(3))).toThrow(
      /has 3 values but fake-embedder 1.0.0 gives 4/,
    );
  });

  it('names the file when search.db cannot be opened', async () => {
    const notADb = await mkdtemp(path.join(tmpdir(), 'vesalius-search-bad-'));
    await writeFile(path.join(notADb, SEARCH_DB_FILE), 'this is not a database, just text that is long enough to be read as a header........');
    expect(() => EmbeddingStore.open(notADb)).toThrow(new RegExp(`${SEARCH_DB_FILE}: could not`));
    await rm(notADb, { recursive: true, force: true });
  });
});
