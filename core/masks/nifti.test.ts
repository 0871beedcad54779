import { describe, expect, it } from 'vitest';
import { niftiFile } from './mask-fixtures';
import { decodeNiftiLabels } from './nifti';

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
