import { describe, expect, it } from 'vitest';
import { add, closeTo, cross, distance, dot, norm, normalize, scale, sub, toVec3 } from './vec3';

describe('vec3', () => {
  it('adds, subtracts, scales and measures', () => {
    expect(add([1, 2, 3], [4, 5, 6])).toEqual([5, 7, 9]);
    expect(sub([1, 2, 3], [4, 5, 6])).toEqual([-3, -3, -3]);
    expect(scale([1, -2, 3], 2)).toEqual([2, -4, 6]);
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32);
    expect(norm([3, 4, 12])).toBe(13);
    expect(distance([1, 1, 1], [4, 5, 1])).toBe(5);
  });

  it('crosses right-handed: x × y = z, and anticommutes', () => {
    expect(cross([1, 0, 0], [0, 1, 0])).toEqual([0, 0, 1]);
    expect(cross([0, 1, 0], [0, 0, 1])).toEqual([1, 0, 0]);
    const a = [0.3, -1.2, 2] as const;
    const b = [4, 0.5, -1] as const;
    const ab = cross(a, b);
    expect(cross(b, a)).toEqual(ab.map((v) => -v));
    expect(dot(ab, a)).toBeCloseTo(0, 12);
    expect(dot(ab, b)).toBeCloseTo(0, 12);
  });

  it('normalizes, and refuses a vector with no direction', () => {
    const unit = normalize([0, 3, 4]);
    expect(unit).not.toBeNull();
    expect(closeTo(unit!, [0, 0.6, 0.8], 1e-12)).toBe(true);
    expect(normalize([0, 0, 0])).toBeNull();
    expect(normalize([Number.NaN, 1, 0])).toBeNull();
  });

  it('reads three finite numbers from a list', () => {
    expect(toVec3([1, 2, 3, 4, 5, 6], 3)).toEqual([4, 5, 6]);
    expect(toVec3([1, 2])).toBeNull();
    expect(toVec3([1, Number.POSITIVE_INFINITY, 3])).toBeNull();
    expect(toVec3(null)).toBeNull();
  });
});
