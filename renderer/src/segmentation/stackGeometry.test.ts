import { describe, expect, it } from 'vitest';
import type { Instance } from '../../../core/contract/dicom';
import { worldToIjk } from '../../../core/geometry/patient-space';
import { stackGeometry } from './stackGeometry';

const instance = (z: number, over: Partial<Instance> = {}): Instance => ({
  sopInstanceUid: `1.2.${z}`,
  sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
  path: `/data/${z}.dcm`,
  fileKey: `k${z}`,
  instanceNumber: z + 1,
  imagePositionPatient: [-100, -50, 10 + 2.5 * z],
  imageOrientationPatient: [1, 0, 0, 0, 1, 0],
  sliceLocation: null,
  numberOfFrames: 1,
  rows: 200,
  columns: 256,
  transferSyntaxUid: '1.2.840.10008.1.2.1',
  ...over,
});

describe('the voxel grid of a stack', () => {
  it('is columns × rows × slices with PixelSpacing and the slice step, and maps world mm to ijk', () => {
    const grid = stackGeometry([0, 1, 2, 3].map((z) => instance(z)), [0.8, 0.7]);
    if ('reason' in grid) throw new Error(grid.reason);
    expect(grid.shape).toEqual([256, 200, 4]);
    expect(grid.spacingMm[0]).toBeCloseTo(0.7);
    expect(grid.spacingMm[1]).toBeCloseTo(0.8);
    expect(grid.spacingMm[2]).toBeCloseTo(2.5);
    const ijk = worldToIjk(grid.geometry!, [-100 + 10 * 0.7, -50 + 20 * 0.8, 10 + 2 * 2.5]);
    expect(ijk.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([10, 20, 2]);
  });

  it('refuses images of differing sizes, naming both', () => {
    const grid = stackGeometry([instance(0), instance(1, { rows: 100 })], [1, 1]);
    expect(grid).toEqual({ reason: expect.stringContaining('256×200 and 256×100') });
  });

  it('keeps the image grid without a position (no patient geometry)', () => {
    const grid = stackGeometry([instance(0, { imagePositionPatient: null })], null);
    if ('reason' in grid) throw new Error(grid.reason);
    expect(grid.geometry).toBeNull();
    expect(grid.spacingMm).toEqual([1, 1, 1]);
  });
});
