import { describe, expect, it } from 'vitest';
import { imagePlane } from './image-plane';
import { ijkToWorld, stackStep, volumeGeometry, worldToIjk, type VolumeGeometry, type VolumeGeometryInput } from './patient-space';
import { add, closeTo, dot, normalize, scale, type Vec3 } from './vec3';

const geometryOf = (input: VolumeGeometryInput): VolumeGeometry => {
  const result = volumeGeometry(input);
  if (!result.ok) throw new Error(result.reason);
  return result.geometry;
};

// An oblique plane (rotated about two axes) with anisotropic voxels: 0.7 mm columns, 0.45 mm rows, 3 mm slices.
const c = Math.cos(0.4);
const s = Math.sin(0.4);
const obliquePlane = (() => {
  const result = imagePlane({ orientation: [c, s, 0, -s * 0.8, c * 0.8, 0.6], positionMm: [-180.2, -95.5, 312.75], pixelSpacingMm: [0.45, 0.7] });
  if (!result.ok) throw new Error(result.reason);
  return result.plane;
})();
const oblique = geometryOf({
  originMm: obliquePlane.positionMm!,
  rowDirection: obliquePlane.rowDirection,
  columnDirection: obliquePlane.columnDirection,
  sliceDirection: obliquePlane.normal,
  spacingMm: [obliquePlane.pixelSpacingMm![1], obliquePlane.pixelSpacingMm![0], 3],
});

describe('ijkToWorld / worldToIjk', () => {
  it('puts voxel (0,0,0) on the origin and steps each axis by its own spacing and direction', () => {
    expect(ijkToWorld(oblique, [0, 0, 0])).toEqual(oblique.originMm);
    const along = (ijk: Vec3, direction: Vec3, mm: number) =>
      expect(closeTo(ijkToWorld(oblique, ijk), add(oblique.originMm, scale(direction, mm)), 1e-9)).toBe(true);
    along([1, 0, 0], obliquePlane.rowDirection, 0.7);
    along([0, 1, 0], obliquePlane.columnDirection, 0.45);
    along([0, 0, 1], obliquePlane.normal, 3);
    along([10, 0, 0], obliquePlane.rowDirection, 7);
  });

  it('round-trips voxel indices and patient positions on a non-axial grid', () => {
    const samples: Vec3[] = [
      [0, 0, 0],
      [511, 511, 99],
      [12.5, 300.25, 7.75],
      [-3, 2, -1],
    ];
    for (const ijk of samples) {
      const worldPos = ijkToWorld(oblique, ijk);
      expect(closeTo(worldToIjk(oblique, worldPos), ijk, 1e-9)).toBe(true);
    }
    const worldPos: Vec3 = [-10, 20.5, 300];
    expect(closeTo(ijkToWorld(oblique, worldToIjk(oblique, worldPos)), worldPos, 1e-9)).toBe(true);
  });

  it('recovers ijk on a sheared (gantry-tilted) stack whose slice direction is not the normal', () => {
    const tilt = normalize(add([0, 0, 1], [0, 0.3, 0]))!;
    const sheared = geometryOf({ originMm: [5, -7, 11], rowDirection: [1, 0, 0], columnDirection: [0, 1, 0], sliceDirection: tilt, spacingMm: [0.8, 0.8, 2.5] });
    const ijk: Vec3 = [100, 40, 12];
    const worldPos = ijkToWorld(sheared, ijk);
    // The slice sits 12 · 2.5 mm along the tilted direction, so its distance along the normal is less.
    expect(dot([0, 0, 1], worldPos) - 11).toBeCloseTo(30 * tilt[2], 9);
    expect(closeTo(worldToIjk(sheared, worldPos), ijk, 1e-9)).toBe(true);
  });

  it('refuses spacings that are not positive and directions that are missing or coplanar', () => {
    const base: VolumeGeometryInput = { originMm: [0, 0, 0], rowDirection: [1, 0, 0], columnDirection: [0, 1, 0], sliceDirection: [0, 0, 1], spacingMm: [1, 1, 1] };
    const reason = (input: VolumeGeometryInput): string => {
      const result = volumeGeometry(input);
      if (result.ok) throw new Error('expected a refusal');
      return result.reason;
    };
    expect(reason({ ...base, spacingMm: [1, 0, 1] })).toMatch(/spacing 1 × 0 × 1 mm is not three positive numbers/);
    expect(reason({ ...base, sliceDirection: [0, 0, 0] })).toMatch(/slice direction has no length/);
    expect(reason({ ...base, sliceDirection: [Math.SQRT1_2, Math.SQRT1_2, 0] })).toMatch(/lie in one plane/);
    expect(reason({ ...base, originMm: [0, Number.NaN, 0] })).toMatch(/not a finite number/);
  });
});

describe('stackStep', () => {
  it('gives the unit direction and the step between evenly spaced slices', () => {
    const step = stackStep([0, 0, 10], [0, 0, 4], 4);
    expect(step).toEqual({ direction: [0, 0, -1], stepMm: 2 });
    expect(stackStep([0, 0, 0], [0, 0, 0], 3)).toBeNull();
    expect(stackStep([0, 0, 0], [0, 0, 5], 1)).toBeNull();
  });
});
