import { describe, expect, it } from 'vitest';
import { ijkToWorld, worldToIjk } from './patient-space';
import { stackVolumeGeometry } from './stack-geometry';

describe('stackVolumeGeometry', () => {
  it('spaces k evenly from the first image to the last, i and j by PixelSpacing [rows, columns]', () => {
    const made = stackVolumeGeometry({ orientation: [1, 0, 0, 0, 1, 0], firstPositionMm: [-100, -50, 20], lastPositionMm: [-100, -50, 29], sliceCount: 4, pixelSpacingMm: [0.8, 0.6] });
    if (!made.ok) throw new Error(made.reason);
    expect(made.geometry.spacingMm).toEqual([0.6, 0.8, 3]);
    expect(ijkToWorld(made.geometry, [10, 5, 2])).toEqual([-94, -46, 26]);
    expect(worldToIjk(made.geometry, [-94, -46, 26]).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([10, 5, 2]);
  });

  it('one image: k along the normal with the fallback step; a gantry tilt stays sheared', () => {
    const single = stackVolumeGeometry({ orientation: [0, 1, 0, 0, 0, -1], firstPositionMm: [0, 0, 0], lastPositionMm: [0, 0, 0], sliceCount: 1, pixelSpacingMm: null, fallbackSliceStepMm: 2.5 });
    if (!single.ok) throw new Error(single.reason);
    single.geometry.sliceDirection.forEach((v, axis) => expect(v).toBeCloseTo([-1, 0, 0][axis], 12));
    expect(single.geometry.spacingMm).toEqual([1, 1, 2.5]);
    const tilted = stackVolumeGeometry({ orientation: [1, 0, 0, 0, 1, 0], firstPositionMm: [0, 0, 0], lastPositionMm: [0, 3, 4], sliceCount: 2, pixelSpacingMm: [1, 1] });
    if (!tilted.ok) throw new Error(tilted.reason);
    tilted.geometry.sliceDirection.forEach((v, axis) => expect(v).toBeCloseTo([0, 0.6, 0.8][axis], 12));
    expect(tilted.geometry.spacingMm[2]).toBe(5);
  });

  it('says why without a plane or a position', () => {
    expect(stackVolumeGeometry({ orientation: null, firstPositionMm: [0, 0, 0], lastPositionMm: null, sliceCount: 1, pixelSpacingMm: null })).toEqual({ ok: false, reason: 'no ImageOrientationPatient' });
    expect(stackVolumeGeometry({ orientation: [1, 0, 0, 0, 1, 0], firstPositionMm: null, lastPositionMm: null, sliceCount: 1, pixelSpacingMm: null })).toEqual({ ok: false, reason: 'no ImagePositionPatient' });
  });
});
