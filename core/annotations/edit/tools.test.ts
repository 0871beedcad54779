// Voxel effects of the editing tools on synthetic volumes: threshold brush, region grow, islands, contours, interpolation.
import { describe, expect, it } from 'vitest';
import { fillContour } from './contour';
import { bothFilters, outsideMasksFilter } from './filters';
import { paintStroke } from './brush';
import { interpolateSlices } from './interpolate';
import { keepLargestComponent, removeIslands } from './islands';
import { floodFill, growRegion } from './region-grow';
import { paintThresholdStroke, THRESHOLD_PRESETS } from './threshold';
import type { EditVolume } from './types';

const volumeOf = (w: number, h: number, d: number, spacingMm: [number, number, number] = [1, 1, 1]): EditVolume => ({ shape: [w, h, d], spacingMm });
const index = ([w, h]: readonly number[], x: number, y: number, z: number): number => x + w * (y + h * z);
const sum = (mask: Uint8Array): number => mask.reduce((a, b) => a + b, 0);

/** A CT-like phantom: air (−1000) with a soft-tissue box (40 HU) holding a bone block (700 HU). */
function phantom(volume: EditVolume): Int16Array {
  const [w, h, d] = volume.shape;
  const image = new Int16Array(w * h * d).fill(-1000);
  for (let z = 0; z < d; z++) for (let y = 4; y < h - 4; y++) for (let x = 4; x < w - 4; x++) image[index(volume.shape, x, y, z)] = x >= 10 && x < 14 && y >= 10 && y < 14 ? 700 : 40;
  return image;
}

describe('threshold brush', () => {
  it('paints only the voxels in range under the brush', () => {
    const volume = volumeOf(24, 24, 3);
    const image = phantom(volume);
    const mask = new Uint8Array(24 * 24 * 3);
    const stroke = { fromIjk: [12, 12, 1], toIjk: [12, 12, 1], radiusMm: 5, shape: 'circle', planeNormal: [0, 0, 1] } as const;
    const changed = paintThresholdStroke(mask, volume, image, stroke, THRESHOLD_PRESETS.bone, 1);
    expect(changed.length).toBe(16); // the whole 4×4 bone block lies within 5 mm of (12, 12)
    for (const i of changed) expect(image[i]).toBe(700);
    const soft = paintThresholdStroke(mask, volume, image, stroke, THRESHOLD_PRESETS.softTissue, 1);
    for (const i of soft) expect(image[i]).toBe(40);
    expect(soft.length).toBe(81 - 16); // a radius-5 disk has 81 voxels, all inside the soft-tissue box
    expect(() => paintThresholdStroke(mask, volume, image, stroke, { min: 5, max: 1 }, 1)).toThrow(/value range 5…1/);
  });

  it('keeps off other segments\' voxels when asked, together with a threshold', () => {
    const volume = volumeOf(24, 24, 1);
    const image = phantom(volume);
    const other = new Uint8Array(24 * 24);
    for (let i = 0; i < other.length; i++) other[i] = i % 24 < 12 ? 1 : 0; // the left half belongs to another segment
    const stroke = { fromIjk: [12, 12, 0], toIjk: [12, 12, 0], radiusMm: 5, shape: 'circle', planeNormal: [0, 0, 1] } as const;
    const changed = paintStroke(new Uint8Array(24 * 24), volume, stroke, 1, bothFilters(outsideMasksFilter([other]), (i) => image[i] === 700));
    expect(changed.length).toBe(8); // the right half (x 12, 13) of the 4×4 bone block
    for (const i of changed) expect(i % 24).toBeGreaterThanOrEqual(12);
    expect(outsideMasksFilter([])).toBeUndefined();
  });

  it('names every preset with a range from low to high', () => {
    expect(THRESHOLD_PRESETS.lung).toMatchObject({ min: -1000, max: -400 });
    expect(THRESHOLD_PRESETS.bone).toMatchObject({ min: 300, max: 3000 });
    expect(THRESHOLD_PRESETS.softTissue).toMatchObject({ min: -100, max: 300 });
    expect(THRESHOLD_PRESETS.fat).toMatchObject({ min: -190, max: -30 });
  });
});

describe('region grow / flood fill', () => {
  it('grows in 3D through the connected voxels within the tolerance, and only those', () => {
    const volume = volumeOf(24, 24, 3);
    const image = phantom(volume);
    const grown = growRegion(image, volume, { seedIjk: [11, 11, 1], values: { tolerance: 50 } });
    expect(grown.indices.length).toBe(16 * 3);
    expect(grown.range).toEqual({ min: 650, max: 750 });
    expect(grown.truncated).toBe(false);
    const soft = growRegion(image, volume, { seedIjk: [5, 5, 0], values: { min: -100, max: 300 } });
    expect(soft.indices.length).toBe((16 * 16 - 16) * 3);
  });

  it('stays in the clicked slice in 2D, stops at maxVoxels, and fills the mask', () => {
    const volume = volumeOf(24, 24, 3);
    const image = phantom(volume);
    const planar = growRegion(image, volume, { seedIjk: [11, 11, 1], values: { tolerance: 0 }, planeNormal: [0, 0, 1] });
    expect(planar.indices.length).toBe(16);
    for (const i of planar.indices) expect(Math.floor(i / (24 * 24))).toBe(1);
    const sagittal = growRegion(image, volume, { seedIjk: [11, 11, 1], values: { tolerance: 0 }, planeNormal: [1, 0, 0] });
    expect(sagittal.indices.length).toBe(4 * 3);
    const capped = growRegion(image, volume, { seedIjk: [11, 11, 1], values: { tolerance: 0 }, maxVoxels: 10 });
    expect(capped).toMatchObject({ truncated: true });
    expect(capped.indices.length).toBe(10);
    const mask = new Uint8Array(24 * 24 * 3);
    mask[index(volume.shape, 10, 10, 0)] = 1;
    const filled = floodFill(mask, image, volume, { seedIjk: [11, 11, 1], values: { tolerance: 0 } }, 1);
    expect(filled.changed.length).toBe(47);
    expect(sum(mask)).toBe(48);
    expect(() => growRegion(image, volume, { seedIjk: [30, 0, 0], values: { tolerance: 1 } })).toThrow(/outside the 24×24×3 volume/);
  });

  it('respects the allow filter (a locked voxel is a wall)', () => {
    const volume = volumeOf(8, 1, 1);
    const image = new Int16Array(8);
    const grown = growRegion(image, volume, { seedIjk: [0, 0, 0], values: { tolerance: 0 } }, (i) => i !== 3);
    expect([...grown.indices]).toEqual([0, 1, 2]);
  });
});

describe('islands', () => {
  /** Three components: 27 voxels (3×3×3 cube), 4 (a bar), 1 (a speck). */
  function threeComponents(): { volume: EditVolume; mask: Uint8Array } {
    const volume = volumeOf(10, 10, 10);
    const mask = new Uint8Array(1000);
    for (let z = 1; z < 4; z++) for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) mask[index(volume.shape, x, y, z)] = 1;
    for (let x = 5; x < 9; x++) mask[index(volume.shape, x, 7, 7)] = 1;
    mask[index(volume.shape, 9, 9, 9)] = 1;
    // Touching the cube only at an edge (not a face): a separate component under 6-connectivity.
    mask[index(volume.shape, 4, 4, 3)] = 1;
    return { volume, mask };
  }

  it('removes components smaller than N voxels', () => {
    const { volume, mask } = threeComponents();
    const cleared = removeIslands(mask, volume, 4);
    expect([...cleared]).toEqual([index(volume.shape, 4, 4, 3), index(volume.shape, 9, 9, 9)]);
    expect(sum(mask)).toBe(31);
  });

  it('keeps only the largest component', () => {
    const { volume, mask } = threeComponents();
    expect(keepLargestComponent(mask, volume).length).toBe(6);
    expect(sum(mask)).toBe(27);
    expect(keepLargestComponent(new Uint8Array(1000), volume).length).toBe(0);
  });
});

describe('contour fill and scissors', () => {
  it('fills a square with its outline, and a triangle by its interior', () => {
    const volume = volumeOf(10, 10, 3);
    const mask = new Uint8Array(300);
    const square = fillContour(mask, volume, { pointsIjk: [[2, 2, 1], [6, 2, 1], [6, 6, 1], [2, 6, 1]], planeNormal: [0, 0, 1] }, 1);
    expect(square.length).toBe(25);
    for (const i of square) expect(Math.floor(i / 100)).toBe(1);
    const triangle = fillContour(new Uint8Array(300), volume, { pointsIjk: [[0.5, 0.5, 0], [8.5, 0.5, 0], [0.5, 8.5, 0]], planeNormal: [0, 0, 1] }, 1);
    // Centres (x, y) with x, y ≥ 1 and x + y ≤ 9 − ε… strictly inside x + y < 9: 1+2+…+7 = 28, plus the 8 on the hypotenuse (x + y = 9, x, y ≥ 1).
    expect(triangle.length).toBe(28 + 8);
  });

  it('cuts with value 0 (scissors), in a sagittal slice too', () => {
    const volume = volumeOf(10, 10, 10);
    const mask = new Uint8Array(1000).fill(1);
    const cut = fillContour(mask, volume, { pointsIjk: [[4, 1, 1], [4, 3, 1], [4, 3, 3], [4, 1, 3]], planeNormal: [1, 0, 0] }, 0);
    expect(cut.length).toBe(9);
    for (const i of cut) expect(i % 10).toBe(4);
    expect(sum(mask)).toBe(991);
    expect(() => fillContour(mask, volume, { pointsIjk: [[0, 0, 0], [1, 1, 0]], planeNormal: [0, 0, 1] }, 1)).toThrow(/at least 3 points/);
  });
});

describe('slice interpolation', () => {
  const SIZE = 64;
  const CENTRE = 32;
  function disc(mask: Uint8Array, z: number, radius: number): void {
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) if ((x - CENTRE) ** 2 + (y - CENTRE) ** 2 <= radius ** 2) mask[index([SIZE, SIZE], x, y, z)] = 1;
  }

  it('between a disc of radius 5 and one of 15 ten slices apart gives discs of radius 5 + k, to within a voxel', () => {
    const volume = volumeOf(SIZE, SIZE, 14);
    const mask = new Uint8Array(SIZE * SIZE * 14);
    disc(mask, 1, 5);
    disc(mask, 11, 15);
    const drawn = mask.slice();
    const changed = interpolateSlices(mask, volume);
    expect(changed.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    for (let z = 2; z < 11; z++) {
      const expectedRadius = 5 + (z - 1);
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          const r = Math.hypot(x - CENTRE, y - CENTRE);
          const set = mask[index(volume.shape, x, y, z)] === 1;
          if ((r <= expectedRadius - 1 && !set) || (r > expectedRadius + 1 && set)) wrong.push(`(${x}, ${y}, ${z}) at ${r.toFixed(2)} is ${set ? 'in' : 'out'}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    // The drawn slices and the slices outside the drawn range are untouched.
    for (const z of [0, 1, 11, 12, 13]) {
      const n = SIZE * SIZE;
      expect(mask.subarray(z * n, (z + 1) * n)).toEqual(drawn.subarray(z * n, (z + 1) * n));
    }
    expect(interpolateSlices(mask, volume).length).toBe(0); // nothing empty between drawn slices any more
  });

  it('fills each gap from its own pair and never touches a drawn slice in between', () => {
    const volume = volumeOf(SIZE, SIZE, 9);
    const mask = new Uint8Array(SIZE * SIZE * 9);
    disc(mask, 0, 4);
    disc(mask, 4, 4);
    disc(mask, 8, 12);
    const middle = mask.slice(4 * SIZE * SIZE, 5 * SIZE * SIZE);
    interpolateSlices(mask, volume);
    expect(mask.slice(4 * SIZE * SIZE, 5 * SIZE * SIZE)).toEqual(middle);
    // Between two equal discs: the same disc.
    for (const z of [1, 2, 3]) expect(mask.slice(z * SIZE * SIZE, (z + 1) * SIZE * SIZE)).toEqual(middle);
  });

  it('handles shapes that reach the slice edge: the image edge is not a rim', () => {
    const volume = volumeOf(12, 8, 5);
    const mask = new Uint8Array(12 * 8 * 5);
    const row = (z: number, y: number): number[] => [...mask.subarray(index(volume.shape, 0, y, z), index(volume.shape, 12, y, z))];
    for (let y = 0; y < 8; y++) for (let x = 0; x < 12; x++) mask[index(volume.shape, x, y, 0)] = x < 10 ? 1 : 0; // x 0…9
    for (let y = 0; y < 8; y++) for (let x = 0; x < 2; x++) mask[index(volume.shape, x, y, 4)] = 1; // x 0…1
    interpolateSlices(mask, volume);
    // Both shapes span every row and touch the left edge: the rim moves from 9.5 to 1.5, 2 voxels a slice.
    for (const [z, last] of [[1, 7], [2, 5], [3, 3]]) {
      for (let y = 0; y < 8; y++) expect(row(z, y), `slice ${z} row ${y}`).toEqual(Array.from({ length: 12 }, (_, x) => (x <= last ? 1 : 0)));
    }
  });

  it('treats a slice with no outside voxel as deep inside (the slices next to it fill whole)', () => {
    const volume = volumeOf(8, 8, 3);
    const mask = new Uint8Array(8 * 8 * 3);
    mask.fill(1, 0, 64);
    mask[index(volume.shape, 3, 3, 2)] = 1;
    expect(interpolateSlices(mask, volume).length).toBe(64);
  });

  it('interpolates along another axis (sagittal slices) and within a slice range', () => {
    const volume = volumeOf(8, 16, 16);
    const mask = new Uint8Array(8 * 16 * 16);
    for (const x of [1, 5]) for (let z = 4; z < 12; z++) for (let y = 4; y < 12; y++) mask[index(volume.shape, x, y, z)] = 1;
    expect(interpolateSlices(mask.slice(), volume, { axis: 0, fromSlice: 2 }).length).toBe(0);
    const changed = interpolateSlices(mask, volume, { axis: 0 });
    expect(changed.length).toBe(3 * 64);
    for (const i of changed) expect([2, 3, 4]).toContain(i % 8);
  });
});
