import { describe, expect, it } from 'vitest';
import { imagePlane, sameOrientation, sliceNormal } from './image-plane';
import { closeTo, dot, norm, type Vec3 } from './vec3';

const planeOf = (orientation: number[], extra: { positionMm?: number[]; pixelSpacingMm?: number[] } = {}) => {
  const result = imagePlane({ orientation, ...extra });
  if (!result.ok) throw new Error(result.reason);
  return result.plane;
};

describe('imagePlane', () => {
  it('gives row, column and normal = row × column for the standard planes', () => {
    const normalOf = (orientation: number[]): Vec3 => planeOf(orientation).normal;
    expect(closeTo(normalOf([1, 0, 0, 0, 1, 0]), [0, 0, 1], 0)).toBe(true); // axial: towards the head (S)
    expect(closeTo(normalOf([0, 1, 0, 0, 0, -1]), [-1, 0, 0], 0)).toBe(true); // sagittal
    expect(closeTo(normalOf([1, 0, 0, 0, 0, -1]), [0, 1, 0], 0)).toBe(true); // coronal
    // A flipped column direction turns the normal the other way.
    expect(closeTo(normalOf([1, 0, 0, 0, -1, 0]), [0, 0, -1], 0)).toBe(true);
  });

  it('handles an oblique plane: unit normal perpendicular to both directions', () => {
    const c = Math.cos(Math.PI / 7);
    const s = Math.sin(Math.PI / 7);
    const plane = planeOf([c, s, 0, -s * 0.6, c * 0.6, 0.8], { positionMm: [-120.5, 30, 14.25], pixelSpacingMm: [0.7, 0.5] });
    expect(norm(plane.normal)).toBeCloseTo(1, 12);
    expect(dot(plane.normal, plane.rowDirection)).toBeCloseTo(0, 12);
    expect(dot(plane.normal, plane.columnDirection)).toBeCloseTo(0, 12);
    expect(closeTo(plane.normal, [0.8 * s, -0.8 * c, 0.6], 1e-12)).toBe(true);
    expect(plane.positionMm).toEqual([-120.5, 30, 14.25]);
    expect(plane.pixelSpacingMm).toEqual([0.7, 0.5]);
  });

  it('accepts cosines rounded to a few decimals, as headers write them', () => {
    expect(imagePlane({ orientation: [0.99999, 0.0044, 0, -0.0044, 0.99999, 0] }).ok).toBe(true);
  });

  it('refuses an orientation that is missing, the wrong size, not unit, not perpendicular or not numbers, saying why', () => {
    const reason = (orientation: number[] | null, extra: { positionMm?: number[]; pixelSpacingMm?: number[] } = {}): string => {
      const result = imagePlane({ orientation, ...extra });
      if (result.ok) throw new Error('expected a refusal');
      return result.reason;
    };
    expect(reason(null)).toMatch(/no ImageOrientationPatient/);
    expect(reason([1, 0, 0, 0, 1])).toMatch(/5 values, not 6/);
    expect(reason([2, 0, 0, 0, 1, 0])).toMatch(/row direction has length 2\.0000, not 1/);
    expect(reason([1, 0, 0, 0, 0, 0])).toMatch(/column direction has length 0\.0000/);
    expect(reason([1, 0, 0, 0.5, Math.sqrt(0.75), 0])).toMatch(/not perpendicular \(cosine 0\.5000\)/);
    expect(reason([1, 0, Number.NaN, 0, 1, 0])).toMatch(/not a finite number/);
    expect(reason([1, 0, 0, 0, 1, 0], { positionMm: [1, 2] })).toMatch(/ImagePositionPatient 1\\2 is not three finite numbers/);
    expect(reason([1, 0, 0, 0, 1, 0], { pixelSpacingMm: [0.5, 0] })).toMatch(/PixelSpacing 0\.5\\0 is not two positive numbers/);
    expect(sliceNormal([2, 0, 0, 0, 1, 0])).toBeNull();
  });

  it('compares orientations cosine by cosine', () => {
    expect(sameOrientation([1, 0, 0, 0, 1, 0], [1, 0.00005, 0, 0, 1, 0])).toBe(true);
    expect(sameOrientation([1, 0, 0, 0, 1, 0], [1, 0, 0, 0, -1, 0])).toBe(false);
    expect(sameOrientation([1, 0, 0, 0, 1, 0], [1, 0, 0])).toBe(false);
  });
});
