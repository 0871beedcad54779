import { describe, expect, it } from 'vitest';
import { squaredDistanceTransform } from './edt';
import { percentileOfSorted, surfaceDistances } from './surface';
import { seededRandom, volume } from './test-volumes';

/** A 2-D (depth 1) volume with a filled rectangle of label 1, x0..x1 × y0..y1 inclusive. */
function rectangle(w: number, h: number, x0: number, x1: number, y0: number, y1: number, spacing: [number, number, number] = [1, 1, 1]) {
  const data = new Uint8Array(w * h);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data[x + w * y] = 1;
  return volume(data, [w, h, 1], 'rect', spacing);
}

function singleVoxel(shape: [number, number, number], ijk: [number, number, number], spacing: [number, number, number]) {
  const data = new Uint8Array(shape[0] * shape[1] * shape[2]);
  data[ijk[0] + shape[0] * (ijk[1] + shape[1] * ijk[2])] = 1;
  return volume(data, shape, `voxel ${ijk.join(',')}`, spacing);
}

describe('surfaceDistances, worked by hand', () => {
  it('two single voxels 3 mm apart under anisotropic spacing', () => {
    // spacing 1 × 1.5 × 3 mm. (0,0,0) vs (0,2,0): 2 voxels × 1.5 mm = 3 mm along y.
    // (0,0,0) vs (0,0,1): 1 voxel × 3 mm = 3 mm along z. One surface voxel each side, d = 3 both ways.
    const spacing: [number, number, number] = [1, 1.5, 3];
    const origin = singleVoxel([3, 3, 3], [0, 0, 0], spacing);
    for (const other of [singleVoxel([3, 3, 3], [0, 2, 0], spacing), singleVoxel([3, 3, 3], [0, 0, 1], spacing)]) {
      expect(surfaceDistances(origin, other)).toEqual({
        hd95Mm: 3, assdMm: 3, hausdorffMm: 3, truthSurfaceVoxels: 1, predSurfaceVoxels: 1,
      });
    }
    // (0,0,0) vs (2,2,1): √(2² + 3² + 3²) = √22 mm
    const diagonal = surfaceDistances(origin, singleVoxel([3, 3, 3], [2, 2, 1], spacing));
    expect(diagonal.hd95Mm).toBeCloseTo(Math.sqrt(22), 12);
  });

  it('a 4×4 square shifted by one voxel, isotropic and anisotropic', () => {
    // A: x 2..5, y 2..5; B: x 3..6, y 2..5 in a 9×8 image. Each surface is the 12-voxel ring.
    // Spacing 1 mm. A ring → B ring: the 6 ring voxels with x 3..5 on rows y=2 and y=5 are
    // also B ring voxels (0); (2,2),(2,3),(2,4),(2,5) are 1 mm from B's x=3 column; (5,3),(5,4)
    // are inside B, 1 mm from (6,y) and from (5,2)/(5,5). So 6 × 0 and 6 × 1; B → A is the
    // mirror image. Pooled 24: 12 × 0, 12 × 1 → ASSD 12/24 = 0.5; HD95 at position
    // 0.95·23 = 21.85 of the sorted list → 1; max 1.
    const a = rectangle(9, 8, 2, 5, 2, 5);
    const b = rectangle(9, 8, 3, 6, 2, 5);
    expect(surfaceDistances(a, b)).toEqual({ hd95Mm: 1, assdMm: 0.5, hausdorffMm: 1, truthSurfaceVoxels: 12, predSurfaceVoxels: 12 });

    // Spacing 2 mm in x, 1 mm in y. A → B: six 0s; (2,2..5) are now 2 mm from x=3 → four 2s;
    // (5,3),(5,4) are 1 mm from (5,2)/(5,5) in y (2 mm to (6,y)) → two 1s. B → A mirrors:
    // (6,2..5) → 2 mm, (3,3),(3,4) → 1 mm. Pooled: 12 × 0, 4 × 1, 8 × 2 → ASSD (4 + 16)/24 = 5/6;
    // position 21.85 falls in the 2s (indices 16..23) → HD95 2.
    const a2 = rectangle(9, 8, 2, 5, 2, 5, [2, 1, 1]);
    const b2 = rectangle(9, 8, 3, 6, 2, 5, [2, 1, 1]);
    const r = surfaceDistances(a2, b2);
    expect(r.hd95Mm).toBe(2);
    expect(r.assdMm).toBeCloseTo(5 / 6, 12);
    expect(r.hausdorffMm).toBe(2);
  });

  it('HD95 interpolates between order statistics', () => {
    // Truth: one voxel at x=0. Prediction: voxels x=0 and x=10 (1×11×1 row, spacing 1).
    // truth → pred: 0. pred → truth: 0 and 10. Pooled sorted [0, 0, 10]:
    // position 0.95·2 = 1.9 → 0 + 0.9·(10 − 0) = 9; ASSD 10/3; max 10.
    const truth = new Uint8Array(11);
    const pred = new Uint8Array(11);
    truth[0] = 1;
    pred[0] = 1;
    pred[10] = 1;
    const r = surfaceDistances(volume(truth, [11, 1, 1]), volume(pred, [11, 1, 1]));
    expect(r.hd95Mm).toBeCloseTo(9, 12);
    expect(r.assdMm).toBeCloseTo(10 / 3, 12);
    expect(r.hausdorffMm).toBe(10);
    expect(percentileOfSorted(Float64Array.from([0, 0, 10]), 0.95)).toBeCloseTo(9, 12);
  });

  it('surface voxels: interior excluded; the volume edge counts, except z of a 2-D mask', () => {
    // 3×3×3 cube inside a 5×5×5 volume: 27 voxels, only the centre has all 6 neighbours inside → 26.
    const cube = new Uint8Array(125);
    for (let z = 1; z <= 3; z++) for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) cube[x + 5 * y + 25 * z] = 1;
    expect(surfaceDistances(volume(cube, [5, 5, 5]), volume(cube, [5, 5, 5])).truthSurfaceVoxels).toBe(26);
    // A 3×3×3 volume filled completely: the edge counts as surface → again 26 (all but the centre).
    const full = new Uint8Array(27).fill(1);
    expect(surfaceDistances(volume(full, [3, 3, 3]), volume(full, [3, 3, 3])).truthSurfaceVoxels).toBe(26);
    // 2-D: a 3×3 square in a 5×5×1 image has 8 surface voxels (the centre is interior in-plane).
    const square = rectangle(5, 5, 1, 3, 1, 3);
    expect(surfaceDistances(square, square)).toMatchObject({ truthSurfaceVoxels: 8, hd95Mm: 0, assdMm: 0 });
  });

  it('empty masks: both → 0, one → Infinity', () => {
    const empty = volume(new Uint8Array(25), [5, 5, 1]);
    const square = rectangle(5, 5, 1, 3, 1, 3);
    expect(surfaceDistances(empty, empty)).toMatchObject({ hd95Mm: 0, assdMm: 0, hausdorffMm: 0 });
    expect(surfaceDistances(square, empty)).toMatchObject({ hd95Mm: Infinity, assdMm: Infinity, truthSurfaceVoxels: 8, predSurfaceVoxels: 0 });
    expect(surfaceDistances(empty, square)).toMatchObject({ hd95Mm: Infinity, assdMm: Infinity, truthSurfaceVoxels: 0, predSurfaceVoxels: 8 });
  });

  it('selects one label of multi-label volumes', () => {
    // label 2 is identical in both, label 1 moves by 4 voxels → HD95 for label 2 is 0, for label 1 it is 4.
    const t = Uint8Array.from([1, 0, 0, 0, 0, 0, 2, 2]);
    const p = Uint8Array.from([0, 0, 0, 0, 1, 0, 2, 2]);
    expect(surfaceDistances(volume(t, [8, 1, 1]), volume(p, [8, 1, 1]), 2).hd95Mm).toBe(0);
    expect(surfaceDistances(volume(t, [8, 1, 1]), volume(p, [8, 1, 1]), 1).hd95Mm).toBe(4);
  });

  it('rejects mismatched shapes and non-positive spacing', () => {
    expect(() => surfaceDistances(volume(new Uint8Array(4), [4, 1, 1], 'a'), volume(new Uint8Array(4), [2, 2, 1], 'b'))).toThrow(/a.*4×1×1.*b.*2×2×1/);
    expect(() => surfaceDistances(volume(new Uint8Array(4), [4, 1, 1], 'a', [0, 1, 1]), volume(new Uint8Array(4), [4, 1, 1]))).toThrow(/spacing/);
  });
});

/** Brute force: for every voxel, the minimum over all feature voxels of the squared distance. */
function bruteForceSquaredDistance(feature: Uint8Array, shape: [number, number, number], spacing: [number, number, number]): Float64Array {
  const [w, h, d] = shape;
  const features: [number, number, number][] = [];
  for (let z = 0; z < d; z++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (feature[x + w * (y + h * z)]) features.push([x, y, z]);
  const out = new Float64Array(feature.length).fill(Infinity);
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let best = Infinity;
        for (const [fx, fy, fz] of features) {
          const dist = ((x - fx) * spacing[0]) ** 2 + ((y - fy) * spacing[1]) ** 2 + ((z - fz) * spacing[2]) ** 2;
          if (dist < best) best = dist;
        }
        out[x + w * (y + h * z)] = best;
      }
    }
  }
  return out;
}

describe('squaredDistanceTransform', () => {
  it('matches brute force on random volumes with anisotropic spacing', () => {
    const random = seededRandom(99);
    for (let trial = 0; trial < 25; trial++) {
      const shape: [number, number, number] = [1 + Math.floor(random() * 9), 1 + Math.floor(random() * 8), 1 + Math.floor(random() * 7)];
      const spacing: [number, number, number] = [0.3 + random() * 3, 0.3 + random() * 3, 0.3 + random() * 3];
      const density = [0.01, 0.05, 0.3][trial % 3];
      const feature = Uint8Array.from({ length: shape[0] * shape[1] * shape[2] }, () => (random() < density ? 1 : 0));
      const fast = squaredDistanceTransform(feature, shape, spacing);
      const slow = bruteForceSquaredDistance(feature, shape, spacing);
      for (let i = 0; i < fast.length; i++) {
        if (slow[i] === Infinity) expect(fast[i]).toBe(Infinity);
        else expect(fast[i]).toBeCloseTo(slow[i], 9);
      }
    }
  });

  it('no feature voxel → Infinity everywhere; all features → 0', () => {
    expect([...squaredDistanceTransform(new Uint8Array(6), [3, 2, 1], [1, 1, 1])]).toEqual(new Array(6).fill(Infinity));
    expect([...squaredDistanceTransform(new Uint8Array(6).fill(1), [3, 2, 1], [1, 1, 1])]).toEqual(new Array(6).fill(0));
  });
});
