import { describe, expect, it } from 'vitest';
import { niftiFile, type NiftiFixture } from './mask-fixtures';
import { decodeNiftiLabels, readNiftiLabelsFile } from './nifti';
import { scratchFolder } from '../fixtures/scratch-folder';

describe('decodeNiftiLabels', () => {
  const values = [0, 1, 2, 0, 0, 3, 1, 1, 0, 0, 0, 2]; // 3 × 2 × 2, x-fastest

  it('reads a uint8 .nii: dims → shape, pixdim → spacing, voxels kept in x-fastest order', () => {
    const volume = decodeNiftiLabels(niftiFile({ shape: [3, 2, 2], values, datatype: 'uint8', spacingMm: [0.5, 0.75, 2.5] }), 'a.nii');
    expect(volume.shape).toEqual([3, 2, 2]);
    expect(volume.spacingMm).toEqual([0.5, 0.75, 2.5]);
    expect(Array.from(volume.data)).toEqual(values);
  });

  it('reads a gzipped int16 .nii.gz with labels beyond 8 bits', () => {
    const wide = values.map((v) => v * 500);
    const volume = decodeNiftiLabels(niftiFile({ shape: [3, 2, 2], values: wide, datatype: 'int16', gzip: true }), 'b.nii.gz');
    expect(volume.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(volume.data)).toEqual(wide);
  });

  it('accepts float data holding whole numbers and rejects fractional values', () => {
    const ok = decodeNiftiLabels(niftiFile({ shape: [3, 2, 2], values, datatype: 'float32' }), 'c.nii');
    expect(Array.from(ok.data)).toEqual(values);
    const bad = values.map((v, i) => (i === 4 ? 1.5 : v));
    expect(() => decodeNiftiLabels(niftiFile({ shape: [3, 2, 2], values: bad, datatype: 'float64' }), 'd.nii')).toThrow(/d\.nii: non-integer label 1\.5/);
  });

  it('applies scl_slope / scl_inter when the result stays integral, and refuses otherwise', () => {
    const scaled = decodeNiftiLabels(niftiFile({ shape: [3, 2, 2], values, datatype: 'uint8', sclSlope: 2, sclInter: 1 }), 'e.nii');
    expect(Array.from(scaled.data)).toEqual(values.map((v) => v * 2 + 1));
    expect(() => decodeNiftiLabels(niftiFile({ shape: [3, 2, 2], values, datatype: 'uint8', sclSlope: 0.5 }), 'f.nii')).toThrow(/f\.nii: .*scl_slope 0\.5/);
  });

  it('names the file for unsupported datatypes, truncated data and non-NIfTI bytes', () => {
    expect(() => decodeNiftiLabels(niftiFile({ shape: [3, 2, 2], values, datatype: 'complex64' }), 'g.nii')).toThrow(/g\.nii: unsupported NIfTI datatype complex64/);
    expect(() => decodeNiftiLabels(niftiFile({ shape: [3, 2, 2], values, datatype: 'int32', truncateBy: 8 }), 'h.nii')).toThrow(/h\.nii: truncated NIfTI/);
    expect(() => decodeNiftiLabels(new Uint8Array(400), 'i.nii')).toThrow(/i\.nii: not a NIfTI/);
  });
});

describe('readNiftiLabelsFile', () => {
  const scratch = scratchFolder('nifti');
  const write = scratch.write;

  it('reads what decodeNiftiLabels decodes, for every stored type, plain and gzipped', async () => {
    const values = [0, 1, 2, 0, 0, 3, 1, 1, 0, 0, 0, 2];
    const fixtures: NiftiFixture[] = [
      { shape: [3, 2, 2], values, datatype: 'uint8', spacingMm: [0.5, 0.75, 2.5] },
      { shape: [3, 2, 2], values: values.map((v) => v * 500), datatype: 'int16' },
      { shape: [3, 2, 2], values: values.map((v) => -v), datatype: 'int16' },
      { shape: [3, 2, 2], values: values.map((v) => v * 30000), datatype: 'uint16' },
      { shape: [3, 2, 2], values: values.map((v) => v * 100000), datatype: 'int32' },
      { shape: [3, 2, 2], values, datatype: 'float32' },
      { shape: [3, 2, 2], values, datatype: 'uint8', sclSlope: 2, sclInter: 1 },
    ];
    for (const [i, fixture] of fixtures.entries()) {
      for (const gzip of [false, true]) {
        const bytes = niftiFile({ ...fixture, gzip });
        const file = await write(`case-${i}${gzip ? '.nii.gz' : '.nii'}`, bytes);
        const read = await readNiftiLabelsFile(file);
        const decoded = decodeNiftiLabels(bytes, file);
        expect(read, file).toEqual(decoded);
        expect(read!.data.constructor, file).toBe(decoded.data.constructor);
      }
    }
  });

  it('widens the label array when a later chunk holds values the narrower type cannot', async () => {
    // Over two read chunks of int16; the first holds only 0..255, a later one 300 and then -5.
    const length = 2_500_000;
    const shape: [number, number, number] = [1000, 500, 5];
    const values = new Int16Array(length);
    values[0] = 7;
    values[2_200_000] = 300;
    const unsigned = await readNiftiLabelsFile(await write('wide-unsigned.nii', niftiFile({ shape, values, datatype: 'int16' })));
    expect(unsigned!.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(unsigned!.data.subarray(0, 2)).concat(unsigned!.data[2_200_000])).toEqual([7, 0, 300]);
    values[length - 1] = -5;
    const signed = await readNiftiLabelsFile(await write('wide-signed.nii', niftiFile({ shape, values, datatype: 'int16' })));
    expect(signed!.data).toBeInstanceOf(Int16Array);
    expect(Array.from(signed!.data)).toEqual(Array.from(values));
    values[2_200_000] = 0;
    values[length - 1] = 0;
    const narrow = await readNiftiLabelsFile(await write('narrow.nii', niftiFile({ shape, values, datatype: 'int16', gzip: true })));
    expect(narrow!.data).toBeInstanceOf(Uint8Array);
    expect(narrow!.data[0]).toBe(7);
  });

  it('names the file for truncated data and resolves to null for other formats', async () => {
    const truncated = await write('short.nii', niftiFile({ shape: [3, 2, 2], values: new Array(12).fill(1), datatype: 'int16', truncateBy: 4 }));
    await expect(readNiftiLabelsFile(truncated)).rejects.toThrow(/short\.nii: truncated NIfTI: 3×2×2 voxels need 24 bytes at offset 352, file has 20/);
    const plainBytesTruncated = await write('short8.nii', niftiFile({ shape: [3, 2, 2], values: new Array(12).fill(1), datatype: 'uint8', truncateBy: 1 }));
    await expect(readNiftiLabelsFile(plainBytesTruncated)).rejects.toThrow(/short8\.nii: truncated NIfTI/);
    await expect(readNiftiLabelsFile(await write('bad.nii.gz', new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5])))).rejects.toThrow(/bad\.nii\.gz: corrupt gzip stream/);
    expect(await readNiftiLabelsFile(await write('text.nii', new TextEncoder().encode('hello')))).toBeNull();
    expect(await readNiftiLabelsFile(await write('empty.nii', new Uint8Array(0)))).toBeNull();
  });
});
