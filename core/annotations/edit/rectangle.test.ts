// Rectangle fill and scissors: the freehand polygon kernel given a rectangle's 4 corners fills exactly that rectangle.
import { describe, expect, it } from 'vitest';
import { fillContour } from './contour';
import type { EditVolume, Ijk } from './types';

const volume: EditVolume = { shape: [40, 30, 4], spacingMm: [0.8, 0.8, 2.5] };
const [W, H] = volume.shape;

/** The 4 corners of the rectangle with opposite corners a and b on slice k, in the order they are dragged. */
const corners = (a: readonly [number, number], b: readonly [number, number], k: number): Ijk[] => [
  [a[0], a[1], k],
  [b[0], a[1], k],
  [b[0], b[1], k],
  [a[0], b[1], k],
];

/** Every voxel index of slice k whose centre (i, j) lies in [i0, i1] × [j0, j1], ascending: the rectangle by definition. */
function voxelsInside(i0: number, i1: number, j0: number, j1: number, k: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < H; j++) for (let i = 0; i < W; i++) if (i >= i0 && i <= i1 && j >= j0 && j <= j1) out.push(i + W * (j + H * k));
  return out;
}

describe('a rectangle through the polygon fill kernel', () => {
  it('fills exactly the pixel centres inside, for fractional corners dragged in any direction', () => {
    // Centres 3…17 across, 5…11 down: 15 × 7.
    const expected = voxelsInside(2.6, 17.4, 4.2, 11.9, 2);
    expect(expected).toHaveLength(15 * 7);
    for (const [a, b] of [
      [[2.6, 4.2], [17.4, 11.9]],
      [[17.4, 11.9], [2.6, 4.2]],
      [[17.4, 4.2], [2.6, 11.9]],
      [[2.6, 11.9], [17.4, 4.2]],
    ] as const) {
      const mask = new Uint8Array(W * H * 4);
      expect([...fillContour(mask, volume, { pointsIjk: corners(a, b, 2), planeNormal: [0, 0, 1] }, 1)]).toEqual(expected);
      expect(mask.reduce((n, v) => n + v, 0)).toBe(expected.length);
    }
  });

  it('takes the centres on its edges (corners on pixel centres) and the slice of its corners', () => {
    const mask = new Uint8Array(W * H * 4);
    const changed = fillContour(mask, volume, { pointsIjk: corners([5, 6], [9, 8], 1.2), planeNormal: [0, 0, 1] }, 1);
    expect([...changed]).toEqual(voxelsInside(5, 9, 6, 8, 1));
  });

  it('clips at the image border and cuts only what the segment holds (scissors)', () => {
    const mask = new Uint8Array(W * H * 4);
    fillContour(mask, volume, { pointsIjk: corners([-5.5, -3.5], [6.5, 4.5], 0), planeNormal: [0, 0, 1] }, 1);
    expect(mask.reduce((n, v) => n + v, 0)).toBe(7 * 5);
    const cut = fillContour(mask, volume, { pointsIjk: corners([3.5, 2.5], [12.5, 20.5], 0), planeNormal: [0, 0, 1] }, 0);
    // The cut's centres 4…12 across and 3…20 down meet the filled 0…6 × 0…4 in 4…6 × 3…4.
    expect([...cut]).toEqual(voxelsInside(4, 6, 3, 4, 0));
    expect(mask.reduce((n, v) => n + v, 0)).toBe(7 * 5 - 3 * 2);
  });
});
