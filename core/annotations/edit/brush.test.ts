import { describe, expect, it } from 'vitest';
import { paintStroke, type BrushStroke } from './brush';
import type { EditVolume } from './types';

const volume = (shape: [number, number, number], spacingMm: [number, number, number] = [1, 1, 1]): EditVolume => ({ shape, spacingMm });
const axial = (from: [number, number, number], to: [number, number, number], radiusMm: number): BrushStroke => ({ fromIjk: from, toIjk: to, radiusMm, shape: 'circle', planeNormal: [0, 0, 1] });
const coordinates = (indices: Uint32Array, [w, h]: readonly number[]): [number, number, number][] =>
  [...indices].map((i) => [i % w, Math.floor(i / w) % h, Math.floor(i / (w * h))]);

describe('paintStroke', () => {
  it('paints a disk of radius 2 mm as the 13 voxels within 2 voxels of the centre, in one slice, ascending', () => {
    const vol = volume([16, 16, 8]);
    const mask = new Uint8Array(16 * 16 * 8);
    const changed = paintStroke(mask, vol, axial([8, 8, 3], [8, 8, 3], 2), 1);
    expect(changed.length).toBe(13);
    expect([...changed]).toEqual([...changed].sort((a, b) => a - b));
    for (const [x, y, z] of coordinates(changed, vol.shape)) {
      expect(z).toBe(3);
      expect((x - 8) ** 2 + (y - 8) ** 2).toBeLessThanOrEqual(4);
    }
    expect(mask.reduce((a, b) => a + b, 0)).toBe(13);
  });

  it('measures the radius in mm: 1 mm at 0.5 mm pixels is 2 pixels', () => {
    const mask = new Uint8Array(16 * 16 * 4);
    expect(paintStroke(mask, volume([16, 16, 4], [0.5, 0.5, 3]), axial([8, 8, 1], [8, 8, 1], 1), 1).length).toBe(13);
  });

  it('sweeps the disk along the segment (a capsule of three rows plus the two end caps)', () => {
    const mask = new Uint8Array(20 * 20 * 2);
    const changed = paintStroke(mask, volume([20, 20, 2]), axial([5, 5, 0], [10, 5, 0], 1), 1);
    expect(changed.length).toBe(6 * 3 + 2);
  });

  it('paints only what changed: a second pass over the same place changes nothing; erasing reverts it', () => {
    const vol = volume([16, 16, 4]);
    const mask = new Uint8Array(16 * 16 * 4);
    const painted = paintStroke(mask, vol, axial([4, 4, 2], [9, 7, 2], 3), 1);
    expect(paintStroke(mask, vol, axial([4, 4, 2], [9, 7, 2], 3), 1).length).toBe(0);
    const erased = paintStroke(mask, vol, axial([4, 4, 2], [9, 7, 2], 3), 0);
    expect([...erased]).toEqual([...painted]);
    expect(mask.every((v) => v === 0)).toBe(true);
  });

  it('leaves voxels the filter refuses', () => {
    const mask = new Uint8Array(16 * 16 * 1);
    const changed = paintStroke(mask, volume([16, 16, 1]), axial([8, 8, 0], [8, 8, 0], 3), 1, (i) => i % 16 < 8);
    expect(changed.length).toBeGreaterThan(0);
    for (const [x] of coordinates(changed, [16, 16])) expect(x).toBeLessThan(8);
  });

  it('paints a sagittal disk in the one column of the sagittal plane, and a sphere of radius 1 as 7 voxels', () => {
    const vol = volume([10, 10, 10]);
    const mask = new Uint8Array(1000);
    const sagittal = paintStroke(mask, vol, { fromIjk: [3.2, 5, 5], toIjk: [3.2, 5, 5], radiusMm: 2, shape: 'circle', planeNormal: [-1, 0, 0] }, 1);
    expect(sagittal.length).toBe(13);
    for (const [x] of coordinates(sagittal, vol.shape)) expect(x).toBe(3);
    const sphere = paintStroke(new Uint8Array(1000), vol, { fromIjk: [5, 5, 5], toIjk: [5, 5, 5], radiusMm: 1, shape: 'sphere', planeNormal: [0, 0, 1] }, 1);
    expect(coordinates(sphere, vol.shape).sort()).toEqual([[4, 5, 5], [5, 4, 5], [5, 5, 4], [5, 5, 5], [5, 5, 6], [5, 6, 5], [6, 5, 5]].sort());
  });

  it('projects an end that left the plane onto it, and measures mm in a sagittal plane of anisotropic voxels', () => {
    const vol = volume([16, 16, 8]);
    const changed = paintStroke(new Uint8Array(16 * 16 * 8), vol, axial([8, 8, 3], [8, 8, 5], 2), 1);
    expect(changed.length).toBe(13);
    for (const [, , z] of coordinates(changed, vol.shape)) expect(z).toBe(3);
    const aniso = volume([10, 20, 10], [1, 0.5, 2]);
    const sagittal = paintStroke(new Uint8Array(10 * 20 * 10), aniso, { fromIjk: [5, 10, 5], toIjk: [5, 10, 5], radiusMm: 2, shape: 'circle', planeNormal: [1, 0, 0] }, 1);
    // (0.5·Δj)² + (2·Δk)² ≤ 4: nine along j at Δk = 0, and the centre column one slice up and down.
    expect(sagittal.length).toBe(11);
  });

  it('paints an oblique disk one voxel thick: one voxel on each line along the dominant axis, about π r² of them', () => {
    const vol = volume([40, 40, 40]);
    const normal = [1, 0.5, 0.2] as const;
    const changed = paintStroke(new Uint8Array(40 ** 3), vol, { fromIjk: [20, 20, 20], toIjk: [20, 20, 20], radiusMm: 8, shape: 'circle', planeNormal: normal }, 1);
    const lines = new Set<string>();
    for (const [x, y, z] of coordinates(changed, vol.shape)) {
      const offset = (normal[0] * (x - 20) + normal[1] * (y - 20) + normal[2] * (z - 20)) / normal[0];
      expect(offset).toBeGreaterThanOrEqual(-0.5);
      expect(offset).toBeLessThan(0.5);
      lines.add(`${y},${z}`);
    }
    expect(lines.size).toBe(changed.length);
    // The disk's area projected onto the (y, z) face is π r² · n_x / |n|.
    const expected = (Math.PI * 64 * normal[0]) / Math.hypot(...normal);
    expect(Math.abs(changed.length - expected) / expected).toBeLessThan(0.1);
  });

  it('clips at the volume edge and says which argument is wrong', () => {
    const mask = new Uint8Array(8 * 8);
    expect(paintStroke(mask, volume([8, 8, 1]), axial([0, 0, 0], [0, 0, 0], 2), 1).length).toBe(6);
    expect(() => paintStroke(new Uint8Array(10), volume([8, 8, 1]), axial([0, 0, 0], [0, 0, 0], 2), 1)).toThrow(/mask has 10 voxels/);
    expect(() => paintStroke(mask, volume([8, 8, 1]), axial([0, 0, 0], [0, 0, 0], 0), 1)).toThrow(/radius 0 mm/);
    expect(() => paintStroke(mask, volume([8, 8, 1]), { ...axial([0, 0, 0], [0, 0, 0], 1), planeNormal: [0, 0, 0] }, 1)).toThrow(/plane normal/);
  });
});
