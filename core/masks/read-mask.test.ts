import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../config/data-dir';
import { MaskReadError } from './mask-error';
import { labelPng, niftiFile, segFile } from './mask-fixtures';
import { readMaskFile } from './read-mask';

describe('readMaskFile', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vesalius-read-mask-'));
    // Misleading names on purpose: the format comes from the bytes.
    await writeFile(path.join(root, 'really-a-png.nii'), labelPng(2, 1, [0, 4]));
    await writeFile(path.join(root, 'really-nifti.png'), niftiFile({ shape: [2, 1, 1], values: [5, 0], datatype: 'uint8', gzip: true }));
    await writeFile(
      path.join(root, 'seg'),
      segFile({ type: 'BINARY', rows: 1, columns: 2, segments: [{ number: 3, label: 'spleen' }], frames: [{ segmentNumber: 3, zMm: 0, pixels: [1, 0] }], referencedSeriesUid: '1.2.3' }),
    );
    await writeFile(path.join(root, 'text.png'), 'hello');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('dispatches on content, not on the extension', async () => {
    const png = await readMaskFile(path.join(root, 'really-a-png.nii'));
    expect(png.format).toBe('png');
    expect(Array.from(png.volume.data)).toEqual([0, 4]);
    const nifti = await readMaskFile(path.join(root, 'really-nifti.png'));
    expect(nifti.format).toBe('nifti');
    expect(Array.from(nifti.volume.data)).toEqual([5, 0]);
  });

  it('reads a SEG with its segment names, per-segment masks and referenced series', async () => {
    const seg = await readMaskFile(path.join(root, 'seg'));
    expect(seg.format).toBe('dicom-seg');
    expect(Array.from(seg.volume.data)).toEqual([3, 0]);
    expect(seg.labelNames).toEqual({ 3: 'spleen' });
    expect(Array.from(seg.segments!.get(3)!.volume.data)).toEqual([1, 0]);
    expect(seg.referencedSeriesUid).toBe('1.2.3');
  });

  it('names the file for unknown formats, missing files and folders', async () => {
    await expect(readMaskFile(path.join(root, 'text.png'))).rejects.toThrow(/text\.png: unrecognised mask format/);
    await expect(readMaskFile(path.join(root, 'absent.png'))).rejects.toThrow(/absent\.png: not found/);
    await expect(readMaskFile(root)).rejects.toThrow(/is a folder/);
  });
});

const dataDir = resolveDataDir();
if (!dataDir) console.warn(dataDirMissingMessage());

describe.skipIf(!dataDir)('readMaskFile on every file under <dataDir>/dicom', () => {
  it('reads each file as a mask or refuses it with a MaskReadError naming it; nothing else escapes', async () => {
    const root = path.join(dataDir!, 'dicom');
    const files = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThan(100);
    const formats = new Map<string, number>();
    for (const file of files) {
      try {
        const mask = await readMaskFile(file);
        formats.set(mask.format, (formats.get(mask.format) ?? 0) + 1);
      } catch (e) {
        expect(e, file).toBeInstanceOf(MaskReadError);
        expect((e as MaskReadError).message.startsWith(`${file}: `)).toBe(true);
      }
    }
    // The dcmqi and highdicom planar SEGs at least.
    expect(formats.get('dicom-seg') ?? 0).toBeGreaterThanOrEqual(10);
  });
});
