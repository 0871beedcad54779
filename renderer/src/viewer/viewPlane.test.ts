import { describe, expect, it } from 'vitest';
import { ijkToWorld, planeNormalToIjk, volumeGeometry, worldToIjk, type VolumeGeometry } from '../../../core/geometry/patient-space';
import { dot, sub, type Vec3 } from '../../../core/geometry/vec3';
import { isSlicePlane } from './viewPlane';

const geometryOf = (input: Parameters<typeof volumeGeometry>[0]): VolumeGeometry => {
  const made = volumeGeometry(input);
  if (!made.ok) throw new Error(made.reason);
  return made.geometry;
};

describe('a view plane in ijk axes', () => {
  const axial = geometryOf({ originMm: [-100, -80, 20], rowDirection: [1, 0, 0], columnDirection: [0, 1, 0], sliceDirection: [0, 0, 1], spacingMm: [1.5, 1.5, 4] });

  it('the sagittal, coronal and axial planes of an axial stack are its i, j and k slices', () => {
    expect(planeNormalToIjk(axial, [1, 0, 0])).toEqual([1.5, 0, 0]);
    expect(planeNormalToIjk(axial, [0, -1, 0]).map((v) => v + 0)).toEqual([0, -1.5, 0]);
    expect(planeNormalToIjk(axial, [0, 0, 1])).toEqual([0, 0, 4]);
    expect(isSlicePlane([0, 0, 4])).toBe(true);
    expect(isSlicePlane([1.5, 0, 0])).toBe(false);
    expect(isSlicePlane([0, 0.01, 4])).toBe(false);
  });

  it('on a sheared, anisotropic grid every voxel of the world plane satisfies the ijk plane equation', () => {
    // A gantry-tilted stack: slices step along y as well as z.
    const tilted = geometryOf({ originMm: [0, 0, 0], rowDirection: [1, 0, 0], columnDirection: [0, 1, 0], sliceDirection: [0, 0.3, 1], spacingMm: [0.7, 0.9, 2.5] });
    const normalMm: Vec3 = [0.2, 0.5, 0.8];
    const normalIjk = planeNormalToIjk(tilted, normalMm);
    const p0 = worldToIjk(tilted, [3, 4, 5]);
    for (const ijk of [[1, 2, 3], [10, -4, 7], [0.5, 8, -2]] as Vec3[]) {
      const inWorld = dot(normalMm, sub(ijkToWorld(tilted, ijk), ijkToWorld(tilted, p0)));
      expect(dot(normalIjk, sub(ijk, p0))).toBeCloseTo(inWorld, 9);
    }
  });
});
