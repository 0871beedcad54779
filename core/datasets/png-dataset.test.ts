import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { FileRegistry } from '../dicom/file-registry';
import { indexPaths } from '../dicom/indexer';
import { labelPng, rgbPng } from '../masks/mask-fixtures';
import { convertPngDataset, detectPngDataset } from './png-dataset';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
const tempDir = async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-pngds-'));
  dirs.push(dir);
  return dir;
};

/** A 4×3 16-bit image holding HU + 1024: air, water, bone, lung, ... */
const huValues = [-1000, 0, 700, -850, 40, -1024, 3071, 100, -500, 20, 30, 40];

async function writeDataset(root: string): Promise<void> {
  await mkdir(path.join(root, 'images'), { recursive: true });
  await mkdir(path.join(root, 'masks'), { recursive: true });
  await writeFile(path.join(root, 'images', 'case_a.png'), labelPng(4, 3, huValues.map((hu) => hu + 1024), 16));
  await writeFile(path.join(root, 'images', 'case_b.png'), labelPng(4, 3, new Array(12).fill(1024), 16));
  await writeFile(path.join(root, 'images', 'broken.png'), rgbPng(1, 1, [[1, 2, 3]]));
  await writeFile(path.join(root, 'masks', 'case_a.png'), labelPng(4, 3, [0, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  await writeFile(path.join(root, 'masks', 'orphan.png'), labelPng(1, 1, [0]));
  await writeFile(path.join(root, 'README.txt'), 'not part of the dataset');
}

describe('PNG datasets', () => {
  it('pairs images with masks by name and reports masks without an image', async () => {
    const root = path.join(await tempDir(), 'lung', 'val');
    await writeDataset(root);
    const dataset = await detectPngDataset(root);
    expect(dataset?.name).toBe('lung/val');
    expect(dataset?.cases.map((c) => [c.key, c.maskPath && path.basename(c.maskPath)])).toEqual([
      ['broken', null],
      ['case_a', 'case_a.png'],
      ['case_b', null],
    ]);
    expect(dataset?.masksWithoutImage.map((p) => path.basename(p))).toEqual(['orphan.png']);
    expect(await detectPngDataset(path.join(root, 'images'))).toBeNull();
  });

  it('writes DICOM CT images that import with their HU, stable UIDs, and a reason for the bad image', async () => {
    const tmp = await tempDir();
    const root = path.join(tmp, 'lung', 'val');
    await writeDataset(root);
    const dataset = (await detectPngDataset(root))!;
    const out = path.join(tmp, 'home', 'datasets', 'x');
    const first = await convertPngDataset(dataset, out);
    expect(first.errors).toHaveLength(1);
    expect(first.errors[0].path).toBe(path.join(root, 'images', 'broken.png'));
    expect(first.errors[0].reason).toMatch(/broken\.png: colour image .* a dataset image must be grayscale/);
    expect(first.converted.map((c) => c.key)).toEqual(['case_a', 'case_b']);

    const indexed = await indexPaths([out], { registry: new FileRegistry() });
    expect(indexed.errors).toEqual([]);
    const study = indexed.patients[0].studies[0];
    expect(study.description).toBe('PNG dataset lung/val');
    expect(study.series.map((s) => s.description)).toEqual(['case_a', 'case_b']);
    expect(study.series[0].seriesInstanceUid).toBe(first.converted[0].seriesInstanceUid);

    const parsed = dicomParser.parseDicom(new Uint8Array(await readFile(first.converted[0].dicomPath)));
    const pixelElement = parsed.elements.x7fe00010;
    const stored = new Uint16Array(parsed.byteArray.buffer.slice(parsed.byteArray.byteOffset + pixelElement.dataOffset, parsed.byteArray.byteOffset + pixelElement.dataOffset + pixelElement.length));
    const intercept = Number(parsed.string('x00281052'));
    expect([...stored].map((v) => v + intercept)).toEqual(huValues);
    expect(parsed.string('x00080060')).toBe('CT');

    // Again: same UIDs, files not rewritten while the PNG is older.
    const before = (await stat(first.converted[0].dicomPath)).mtimeMs;
    const beforeB = (await stat(first.converted[1].dicomPath)).mtimeMs;
    const second = await convertPngDataset(dataset, out);
    expect(second.converted.map((c) => c.seriesInstanceUid)).toEqual(first.converted.map((c) => c.seriesInstanceUid));
    expect((await stat(first.converted[0].dicomPath)).mtimeMs).toBe(before);

    // A newer PNG (case_a) is converted again; the other file stays as it was.
    const later = new Date(Date.now() + 60_000);
    await utimes(first.converted[0].imagePath, later, later);
    await convertPngDataset(dataset, out);
    expect((await stat(first.converted[0].dicomPath)).mtimeMs).not.toBe(before);
    expect((await stat(first.converted[1].dicomPath)).mtimeMs).toBe(beforeB);
  });

  it('writes 8-bit images as secondary captures without a rescale', async () => {
    const tmp = await tempDir();
    const root = path.join(tmp, 'photos');
    await mkdir(path.join(root, 'images'), { recursive: true });
    await writeFile(path.join(root, 'images', 'x.png'), labelPng(2, 2, [0, 64, 128, 255]));
    const conversion = await convertPngDataset((await detectPngDataset(root))!, path.join(tmp, 'out'));
    const parsed = dicomParser.parseDicom(new Uint8Array(await readFile(conversion.converted[0].dicomPath)));
    expect(parsed.string('x00080060')).toBe('OT');
    expect(parsed.string('x00281052')).toBeUndefined();
    expect(parsed.uint16('x00280100')).toBe(8);
  });
});
