// The sphere brush and the freehand contour as the app draws them: anisotropic voxels, fractional mouse points.
import { describe, expect, it } from 'vitest';
import { paintStroke } from './brush';
import { fillContour } from './contour';
import type { EditVolume, Ijk } from './types';

const sliceOf = (index: number, [w, h]: readonly number[]): number => Math.floor(index / (w * h));
const sum = (mask: Uint8Array): number => mask.reduce((a, b) => a + b, 0);

describe('sphere brush on an anisotropic grid', () => {
  // Lattice points with x² + y² ≤ n (Gauss circle counts): n = 4 → 13, n = 5 → 21, n = 9 → 29.
  it('radius 3 mm on 1 × 1 × 2 mm voxels: 29 voxels on the centre slice and 21 on each neighbour, none further', () => {
    const volume: EditVolume = { shape: [16, 16, 9], spacingMm: [1, 1, 2] };
    const mask = new Uint8Array(16 * 16 * 9);
    const changed = paintStroke(mask, volume, { fromIjk: [8, 8, 4], toIjk: [8, 8, 4], radiusMm: 3, shape: 'sphere', planeNormal: [0, 0, 1] }, 1);
    expect(changed.length).toBe(29 + 2 * 21);
    const perSlice = new Map<number, number>();
    for (const i of changed) perSlice.set(sliceOf(i, volume.shape), (perSlice.get(sliceOf(i, volume.shape)) ?? 0) + 1);
    // Slices 2 and 6 are 4 mm from the centre: outside a 3 mm radius.
    expect([...perSlice.entries()].sort()).toEqual([[3, 21], [4, 29], [5, 21]]);
  });

  it('a radius under the slice spacing stays on one slice (2 mm on 2.5 mm slices: the 13-voxel disk)', () => {
    const volume: EditVolume = { shape: [12, 12, 5], spacingMm: [1, 1, 2.5] };
    const changed = paintStroke(new Uint8Array(12 * 12 * 5), volume, { fromIjk: [6, 6, 2], toIjk: [6, 6, 2], radiusMm: 2, shape: 'sphere', planeNormal: [0, 0, 1] }, 1);
    expect(changed.length).toBe(13);
    for (const i of changed) expect(sliceOf(i, volume.shape)).toBe(2);
  });
});

describe('freehand contour as mouse points', () => {
  const volume: EditVolume = { shape: [12, 12, 3], spacingMm: [0.7, 0.7, 3] };
  // A square drawn with fractional points (pixel-centre sampling): centres 3…6 on both axes lie inside.
  const square: Ijk[] = [[2.3, 2.3, 1.2], [6.7, 2.3, 1.2], [6.7, 6.7, 1.2], [2.3, 6.7, 1.2]];

  it('fills exactly the 4 × 4 pixel centres inside, on the slice of the first point; scissors cut the same voxels', () => {
    const mask = new Uint8Array(12 * 12 * 3);
    const filled = fillContour(mask, volume, { pointsIjk: square, planeNormal: [0, 0, 1] }, 1);
    expect(filled.length).toBe(16);
    for (const i of filled) {
      const x = i % 12;
      const y = Math.floor(i / 12) % 12;
      expect(sliceOf(i, volume.shape)).toBe(1);
      expect(x >= 3 && x <= 6 && y >= 3 && y <= 6).toBe(true);
    }
    const cut = fillContour(mask, volume, { pointsIjk: square, planeNormal: [0, 0, 1] }, 0);
    expect([...cut]).toEqual([...filled]);
    expect(sum(mask)).toBe(0);
  });

  it('even–odd: a figure eight fills both lobes and not the gap between its crossing edges', () => {
    // Edges: two diagonals crossing at (6, 4.5) and the verticals x = 1.5 and x = 10.5; each lobe is inside once.
    const eight: Ijk[] = [[1.5, 1.5, 0], [10.5, 7.5, 0], [10.5, 1.5, 0], [1.5, 7.5, 0]];
    const changed = fillContour(new Uint8Array(12 * 12 * 3), volume, { pointsIjk: eight, planeNormal: [0, 0, 1] }, 1);
    const row = (y: number): number[] => [...changed].filter((i) => Math.floor(i / 12) === y).map((i) => i % 12);
    // y = 4: the diagonals are at x = 5.25 and 6.75, so the lobes hold 2…5 and 7…10; y = 2: 2.25 and 9.75.
    expect(row(4)).toEqual([2, 3, 4, 5, 7, 8, 9, 10]);
    expect(row(2)).toEqual([2, 10]);
  });
});
