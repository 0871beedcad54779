import { mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResults } from '../core/contract/search';
import { loadModelFolder } from '../core/model/config';
import { tinyRandomDir } from '../core/model/test-models';
import { writeTestImages, type TestImages } from './assistant-test-images';
import { vesalius } from './test-run';

// End to end through bin/vesalius with the tiny model: structure, not ranking (its weights are random).
let dir: string;
let images: TestImages;
let env: NodeJS.ProcessEnv;
const tiny = loadModelFolder(tinyRandomDir);
const dim = tiny.config.embeddings?.embed_dim ?? 0;
/** Each run starts a CLI process and a worker that loads the model: seconds each on a busy machine. */
const SLOW = 240_000;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vesalius-search-cli-'));
  images = await writeTestImages(dir);
  env = { VESALIUS_HOME: path.join(dir, 'home') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const expectRanked = (doc: SearchResults): void => {
  expect(doc.model).toEqual({ name: 'tiny-random', version: tiny.config.version, dim });
  for (let i = 1; i < doc.results.length; i++) expect(doc.results[i - 1].score).toBeGreaterThanOrEqual(doc.results[i].score);
  for (const hit of doc.results) {
    expect(path.isAbsolute(hit.filePath)).toBe(true);
    expect(hit.frame).toBeGreaterThanOrEqual(1);
    expect(hit.seriesKey).toMatch(/^[0-9.]+$|^derived:/);
    expect(Number.isFinite(hit.score) && Math.abs(hit.score) <= 1 + 1e-5).toBe(true);
  }
};

describe('vesalius search (tiny-random)', () => {
  it('imports and indexes a mixed folder with --in, then ranks by text; the next search reuses the index', async () => {
    const run = await vesalius(['search', 'chest ct', '--in', path.join(dir, 'images'), '--model', tinyRandomDir, '--k', '2', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as SearchResults;
    expectRanked(doc);
    expect(doc.results).toHaveLength(2);
    // The DICOM images the catalog took: CT, MR, the 3-frame file; what it did not take is listed with the reason.
    expect(doc.searched).toBe(3);
    expect(run.stderr).toMatch(/short\.dcm: Pixel Data \(7FE0,0010\) holds 4 bytes/);
    const cine = await vesalius(['search', 'cine', '--model', tinyRandomDir, '--k', '10', '--json'], env);
    expect(cine.code, cine.stderr).toBe(0);
    expect(cine.stderr).not.toMatch(/not indexed/);
    const hits = (JSON.parse(cine.stdout) as SearchResults).results;
    // A multi-frame file is indexed by its middle frame.
    expect(hits.find((h) => h.filePath === images.cine)?.frame).toBe(2);
    expect(hits.map((h) => h.filePath).sort()).toEqual([images.ct, images.mr, images.cine].sort());

    const text = await vesalius(['search', 'chest ct', '--model', tinyRandomDir, '--k', '1'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^1 result\(s\) for "chest ct" \(tiny-random .*, 3 image\(s\) searched/);
    expect(text.stdout).toMatch(/\n {2}1 {2}-?\d\.\d{4} {2}\S+\.dcm.* series [0-9.]+\n$/);
  }, SLOW);

  it('--like a catalogued image leaves it out; --like a PNG or JPEG embeds it now', async () => {
    const like = await vesalius(['search', '--like', images.ct, '--in', path.join(dir, 'images'), '--model', tinyRandomDir, '--json'], env);
    expect(like.code, like.stderr).toBe(0);
    const doc = JSON.parse(like.stdout) as SearchResults;
    expectRanked(doc);
    expect(doc.results.map((h) => h.filePath).sort()).toEqual([images.mr, images.cine].sort());
    const png = await vesalius(['search', '--like', images.colourPng, '--model', tinyRandomDir, '--json'], env);
    expect(png.code, png.stderr).toBe(0);
    expect((JSON.parse(png.stdout) as SearchResults).results).toHaveLength(3);
  }, SLOW);

  it('refuses in words: an empty text, no catalog, not an image, usage', async () => {
    const empty = await vesalius(['search', '  ', '--model', tinyRandomDir], env);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the search text is empty/);
    const noCatalog = await vesalius(['search', 'chest', '--model', tinyRandomDir], { VESALIUS_HOME: path.join(dir, 'empty-home') });
    expect(noCatalog.code).toBe(1);
    expect(noCatalog.stderr).toMatch(/holds no images: import a folder first/);
    const notImage = await vesalius(['search', '--like', images.text, '--model', tinyRandomDir], env);
    expect(notImage.code).toBe(1);
    expect(notImage.stderr).toMatch(/notes\.txt: not an image/);
    expect((await vesalius(['search', 'a', '--like', images.ct], env)).code).toBe(2);
    expect((await vesalius(['search', 'a', '--k', '0'], env)).code).toBe(2);
  }, SLOW);
});

describe('vesalius embed (tiny-random)', () => {
  it('writes one JSONL line per image: unit vectors of the model dimension, failures with their reason', async () => {
    const out = path.join(dir, 'embeddings.jsonl');
    const run = await vesalius(['embed', path.join(dir, 'images'), '--out', out, '--model', tinyRandomDir, '--json'], env);
    expect(run.code, run.stderr).toBe(1); // the short-pixel file fails
    const summary = JSON.parse(run.stdout) as { written: number; reused: number; failed: Array<{ path: string; reason: string }>; model: { dim: number } };
    expect(summary.model.dim).toBe(dim);
    // The CT, MR and cine files were catalogued and indexed by the searches above: taken from search.db.
    expect(summary.reused).toBe(3);
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { path: string; frame: number; vector?: number[]; error?: string; version?: string });
    const embedded = lines.filter((l) => l.vector);
    expect(embedded).toHaveLength(summary.written);
    // CT, MR, the cine file (middle frame), the HU PNG, the colour PNG and the JPEG.
    expect(embedded.map((l) => path.basename(l.path)).sort()).toEqual(['chest-ct.dcm', 'cine.dcm', 'head-mr.dcm', 'photo.png', 'slice.png', 'xray.jpg']);
    expect(embedded.find((l) => l.path === images.cine)?.frame).toBe(2);
    for (const line of embedded) {
      expect(line.vector).toHaveLength(dim);
      expect(line.version).toBe(tiny.config.version);
      expect(Math.hypot(...line.vector!)).toBeCloseTo(1, 4);
    }
    expect(lines.find((l) => l.path === images.shortPixels)?.error).toMatch(/.+/);
    expect(summary.failed.map((f) => f.path)).toContain(images.shortPixels);
  }, SLOW);

  it('reuses a stored embedding only while the file is as the catalog knows it', async () => {
    const out = path.join(dir, 'ct.jsonl');
    const reused = await vesalius(['embed', images.ct, '--out', out, '--model', tinyRandomDir], env);
    expect(reused.code, reused.stderr).toBe(0);
    expect(reused.stdout).toMatch(/^Wrote 1 embedding\(s\) with tiny-random .* \(1 reused from the search index, where the catalog's size\/mtime and the model version match; 0 computed\)/);
    const storedLine = JSON.parse((await readFile(out, 'utf8')).trim()) as { vector: number[] };
    // Touched since the import: the catalog's mtime is stale, so the embedding is computed from the file.
    const later = new Date(Date.now() + 60_000);
    await utimes(images.ct, later, later);
    const computed = await vesalius(['embed', images.ct, '--out', out, '--model', tinyRandomDir, '--json'], env);
    expect(computed.code, computed.stderr).toBe(0);
    expect((JSON.parse(computed.stdout) as { reused: number; written: number })).toMatchObject({ reused: 0, written: 1 });
    const computedLine = JSON.parse((await readFile(out, 'utf8')).trim()) as { vector: number[] };
    // The same pixels and header through the index's path and embed's: the same vector.
    computedLine.vector.forEach((v, i) => expect(v).toBeCloseTo(storedLine.vector[i], 4));
  }, SLOW);

  it('refuses a file that is not an image, a folder as --out, and a missing --out', async () => {
    const notImage = await vesalius(['embed', images.text, '--out', path.join(dir, 'x.jsonl'), '--model', tinyRandomDir], env);
    expect(notImage.code).toBe(1);
    expect(notImage.stderr).toMatch(/notes\.txt: not an image/);
    const folderOut = await vesalius(['embed', images.ct, '--out', dir], env);
    expect(folderOut.code).toBe(1);
    expect(folderOut.stderr).toMatch(/is a folder; give the file to write/);
    expect((await vesalius(['embed', images.ct], env)).code).toBe(2);
  }, SLOW);
});
