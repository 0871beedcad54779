// Segmentation editing speed on a 512×512×500 CT-sized volume: brush and threshold-brush strokes per
// mouse-move segment, a ~100k-voxel flood fill, interpolation across 50 slices and its undo — each against
// the obvious code (a per-voxel loop over the whole slice with Math.hypot, an array-and-Set flood fill,
// brute-force distances, a whole-volume snapshot for undo), checked to give the same voxels first.
import { availableParallelism, loadavg } from 'node:os';
import { paintStroke, type BrushStroke } from '../core/annotations/edit/brush';
import { deltaOfChange } from '../core/annotations/edit/changes';
import { interpolateSlices } from '../core/annotations/edit/interpolate';
import { maskChangeOperation } from '../core/annotations/edit/operations';
import { floodFill } from '../core/annotations/edit/region-grow';
import { paintThresholdStroke, THRESHOLD_PRESETS } from '../core/annotations/edit/threshold';
import type { EditVolume, ValueRange } from '../core/annotations/edit/types';
import type { SegmentationContent } from '../core/annotations/model';
import { timeRuns, type Timing } from './timing';

const SHAPE = [512, 512, 500] as const;
const [W, H, D] = SHAPE;
const SLICE = W * H;
const VOLUME: EditVolume = { shape: SHAPE, spacingMm: [0.7, 0.7, 1.25] };
const BRUSH_TARGET_MS = 16;
const INTERPOLATION_TARGET_MS = 1000;
const BRUSH_RADIUS_MM = 10;
const STROKE_Z = 250;

const fmt = (t: Timing): string => `${t.median.toFixed(2)} ms wall, ${t.cpuMedian.toFixed(2)} ms CPU`;
const ratio = (baseline: Timing, ours: Timing): string => `${(baseline.median / Math.max(ours.median, 1e-3)).toFixed(0)}×`;

/** A CT-like phantom: air, a soft-tissue body, a bone cylinder, and a ~100k-voxel blob of 60 HU for the flood fill. */
function makeImage(): Int16Array {
  const image = new Int16Array(W * H * D);
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      const row = (z * H + y) * W;
      for (let x = 0; x < W; x++) {
        const body = (x - 256) ** 2 / 200 ** 2 + (y - 256) ** 2 / 160 ** 2 <= 1;
        const bone = (x - 300) ** 2 + (y - 256) ** 2 <= 30 ** 2;
        // A deterministic ±8 HU texture so range tests are not all-or-nothing.
        const noise = ((x * 7 + y * 13 + z * 3) % 17) - 8;
        image[row + x] = (bone ? 700 : body ? 20 : -1000) + noise;
      }
    }
  }
  // The blob: an ellipsoid of radii 32, 32, 23 voxels (≈ 98.7k voxels) at 60 HU, well away from the bone.
  for (let z = 250 - 23; z <= 250 + 23; z++) {
    for (let y = 256 - 32; y <= 256 + 32; y++) {
      for (let x = 160 - 32; x <= 160 + 32; x++) {
        if ((x - 160) ** 2 / 32 ** 2 + (y - 256) ** 2 / 32 ** 2 + (z - 250) ** 2 / 23 ** 2 <= 1) image[(z * H + y) * W + x] = 60;
      }
    }
  }
  return image;
}

/** Baseline brush: every voxel of the slice, Math.hypot to the segment in mm. */
function naiveStroke(mask: Uint8Array, stroke: BrushStroke, value: 0 | 1, range?: ValueRange, image?: Int16Array): number {
  const [sx, sy] = VOLUME.spacingMm;
  const [ax, ay, z] = stroke.fromIjk;
  const [bx, by] = stroke.toIjk;
  const abx = (bx - ax) * sx;
  const aby = (by - ay) * sy;
  const length2 = abx * abx + aby * aby;
  let changed = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const px = (x - ax) * sx;
      const py = (y - ay) * sy;
      const t = length2 > 0 ? Math.min(1, Math.max(0, (px * abx + py * aby) / length2)) : 0;
      if (Math.hypot(px - t * abx, py - t * aby) > stroke.radiusMm * (1 + 1e-12) + 1e-12) continue;
      const i = Math.round(z) * SLICE + y * W + x;
      if (range && image && !(image[i] >= range.min && image[i] <= range.max)) continue;
      if (mask[i] !== value) {
        mask[i] = value;
        changed++;
      }
    }
  }
  return changed;
}

/** Baseline flood fill: a queue of [x, y, z] arrays and a Set of visited indices. */
function naiveFloodFill(mask: Uint8Array, image: Int16Array, seed: [number, number, number], range: ValueRange): number {
  const visited = new Set<number>();
  const queue: [number, number, number][] = [seed];
  visited.add(seed[0] + W * (seed[1] + H * seed[2]));
  let filled = 0;
  for (let head = 0; head < queue.length; head++) {
    const [x, y, z] = queue[head];
    const i = x + W * (y + H * z);
    if (!(image[i] >= range.min && image[i] <= range.max)) continue;
    mask[i] = 1;
    filled++;
    for (const [nx, ny, nz] of [[x - 1, y, z], [x + 1, y, z], [x, y - 1, z], [x, y + 1, z], [x, y, z - 1], [x, y, z + 1]] as const) {
      if (nx < 0 || ny < 0 || nz < 0 || nx >= W || ny >= H || nz >= D) continue;
      const j = nx + W * (ny + H * nz);
      if (visited.has(j)) continue;
      visited.add(j);
      queue.push([nx, ny, nz]);
    }
  }
  return filled;
}

function drawDisc(mask: Uint8Array, z: number, radius: number): void {
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x - 256) ** 2 + (y - 256) ** 2 <= radius ** 2) mask[z * SLICE + y * W + x] = 1;
}

/**
 * Baseline interpolation: signed distances by brute force to every rim pixel (Math.hypot), then the same blend.
 * Only within `box` (the discs' square plus a margin; outside it both slices are far outside), so it ends in seconds.
 */
function naiveInterpolation(mask: Uint8Array, near: number, far: number, box: { lo: number; hi: number }): number {
  const signed = (z: number): Float64Array => {
    const rim: number[] = [];
    const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= W || y >= H ? 0 : mask[z * SLICE + y * W + x]);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (at(x, y) !== at(x + 1, y) || at(x, y) !== at(x, y + 1)) rim.push(x, y);
    const out = new Float64Array(SLICE).fill(Infinity);
    for (let y = box.lo; y <= box.hi; y++) {
      for (let x = box.lo; x <= box.hi; x++) {
        const k = y * W + x;
        let best = Infinity;
        for (let r = 0; r < rim.length; r += 2) best = Math.min(best, Math.hypot((x - rim[r]) * 0.7, (y - rim[r + 1]) * 0.7));
        out[k] = at(x, y) ? -best : best;
      }
    }
    return out;
  };
  const a = signed(near);
  const b = signed(far);
  let set = 0;
  for (let z = near + 1; z < far; z++) {
    const t = (z - near) / (far - near);
    for (let k = 0; k < SLICE; k++) {
      if ((1 - t) * a[k] + t * b[k] <= 0) {
        mask[z * SLICE + k] = 1;
        set++;
      }
    }
  }
  return set;
}

/** Paints the stroke with paintStroke and with the baseline and throws unless both set the same voxels. */
function paintLikeBaseline(mask: Uint8Array, segments: BrushStroke[]): void {
  const check = new Uint8Array(SLICE * D);
  let ours = 0;
  let theirs = 0;
  for (const s of segments) ours += paintStroke(mask, VOLUME, s, 1).length;
  for (const s of segments) theirs += naiveStroke(check, s, 1);
  const slice = mask.subarray(STROKE_Z * SLICE, (STROKE_Z + 1) * SLICE);
  if (ours !== theirs || !slice.every((v, k) => v === check[STROKE_Z * SLICE + k])) {
    throw new Error(`brush: paintStroke changed ${ours} voxels, the baseline ${theirs}, or different ones`);
  }
}

/** Mouse-move segments of one stroke across the body: 5 mm apart, as a drag at normal speed reports them. */
function strokeSegments(count: number): BrushStroke[] {
  const stepVoxels = 5 / VOLUME.spacingMm[0];
  return Array.from({ length: count }, (_, s) => ({
    fromIjk: [120 + s * stepVoxels, 200 + (s % 7) * 3, STROKE_Z],
    toIjk: [120 + (s + 1) * stepVoxels, 200 + ((s + 1) % 7) * 3, STROKE_Z],
    radiusMm: BRUSH_RADIUS_MM,
    shape: 'circle',
    planeNormal: [0, 0, 1],
  }));
}

export async function run(): Promise<void> {
  const started = performance.now();
  const image = makeImage();
  const mask = new Uint8Array(W * H * D);
  console.log(`volume: ${SHAPE.join('×')} (Int16 image ${(image.byteLength / 1e6).toFixed(0)} MB, mask ${(mask.byteLength / 1e6).toFixed(0)} MB), spacing ${VOLUME.spacingMm.join('×')} mm, made in ${(performance.now() - started).toFixed(0)} ms`);
  console.log(`machine: ${availableParallelism()} CPUs, load average ${loadavg()[0].toFixed(1)} (a shared machine inflates every figure alike; CPU time less so)`);

  // Brush: same voxels as the baseline first, then per-segment timings.
  const segments = strokeSegments(40);
  paintLikeBaseline(mask, segments);
  let next = 0;
  const clear = (): void => {
    mask.fill(0, STROKE_Z * SLICE, (STROKE_Z + 1) * SLICE);
  };
  const brush = timeRuns(segments.length, () => paintStroke(mask, VOLUME, segments[next++ % segments.length], 1), clear);
  const naiveBrush = timeRuns(5, () => naiveStroke(mask, segments[next++ % segments.length], 1), clear);
  console.log(`brush stroke per mouse-move segment (r ${BRUSH_RADIUS_MM} mm): ${fmt(brush)}   target ${BRUSH_TARGET_MS} ms: ${brush.median <= BRUSH_TARGET_MS ? 'met' : 'NOT met'}; whole-slice hypot loop ${fmt(naiveBrush)} → ${ratio(naiveBrush, brush)} faster`);

  const softTissue: ValueRange = THRESHOLD_PRESETS.softTissue;
  const threshold = timeRuns(segments.length, () => paintThresholdStroke(mask, VOLUME, image, segments[next++ % segments.length], softTissue, 1), clear);
  const naiveThreshold = timeRuns(5, () => naiveStroke(mask, segments[next++ % segments.length], 1, softTissue, image), clear);
  console.log(`threshold-brush segment (soft tissue):     ${fmt(threshold)}   target ${BRUSH_TARGET_MS} ms: ${threshold.median <= BRUSH_TARGET_MS ? 'met' : 'NOT met'}; whole-slice loop ${fmt(naiveThreshold)} → ${ratio(naiveThreshold, threshold)} faster`);
  clear();

  // Flood fill of the 60 HU blob (±15 HU excludes the 20 HU body around it).
  const seed: [number, number, number] = [160, 256, 250];
  const blob = { min: 45, max: 75 };
  const blobZ = [250 - 23, 250 + 24] as const;
  const clearBlob = (): void => {
    mask.fill(0, blobZ[0] * SLICE, blobZ[1] * SLICE);
  };
  let filled = 0;
  const fill = timeRuns(5, () => (filled = floodFill(mask, image, VOLUME, { seedIjk: seed, values: { tolerance: 15 } }, 1).changed.length), clearBlob);
  let naiveFilled = 0;
  const naiveFill = timeRuns(1, () => (naiveFilled = naiveFloodFill(mask, image, seed, blob)), clearBlob);
  if (filled !== naiveFilled) throw new Error(`flood fill: ${filled} voxels, the baseline ${naiveFilled}`);
  console.log(`flood fill, 3D, ${filled} voxels:          ${fmt(fill)}; array-and-Set baseline ${fmt(naiveFill)} → ${ratio(naiveFill, fill)} faster`);
  clearBlob();

  // Interpolation across 50 slices: discs of radius 60 and 90 at z 200 and 250; then its undo.
  const content: SegmentationContent = { shape: SHAPE, segments: [{ number: 1, label: 'bench', color: [255, 0, 0] }], masks: new Map([[1, mask]]) };
  const near = 200;
  const far = 250;
  const clearGap = (): void => {
    mask.fill(0, (near + 1) * SLICE, far * SLICE);
  };
  drawDisc(mask, near, 60);
  drawDisc(mask, far, 90);
  let changed: Uint32Array = new Uint32Array(0);
  const interpolation = timeRuns(3, () => (changed = interpolateSlices(mask, VOLUME)), clearGap);
  const ourGap = mask.slice((near + 1) * SLICE, far * SLICE);
  clearGap();
  let naiveSet = 0;
  const naiveInterp = timeRuns(1, () => (naiveSet = naiveInterpolation(mask, near, far, { lo: 256 - 100, hi: 256 + 100 })), clearGap);
  let differing = 0;
  for (let k = 0; k < ourGap.length; k++) if (ourGap[k] !== mask[(near + 1) * SLICE + k]) differing++;
  console.log(`interpolation across ${far - near - 1} slices (${changed.length} voxels): ${fmt(interpolation)}   target ${INTERPOLATION_TARGET_MS} ms: ${interpolation.median <= INTERPOLATION_TARGET_MS ? 'met' : 'NOT met'}; brute-force distances ${fmt(naiveInterp)} → ${ratio(naiveInterp, interpolation)} faster (${naiveSet} voxels, ${differing} differ at the rims)`);

  clearGap();
  mask.set(ourGap, (near + 1) * SLICE);
  let deltaOps = 0;
  const makeDelta = timeRuns(3, () => void (deltaOps = deltaOfChange(content, 1, changed, 'flipped').slices.length));
  const delta = deltaOfChange(content, 1, changed, 'flipped');
  const op = maskChangeOperation(content, delta, { label: 'interpolate' });
  const undo = timeRuns(3, () => op.revert(), () => op.apply());
  const snapshot = mask.slice();
  const naiveUndo = timeRuns(3, () => mask.set(snapshot));
  console.log(`undo of that interpolation: ${fmt(undo)} (its delta: ${deltaOps} slices, ${(op.bytes / 1e6).toFixed(2)} MB, made in ${fmt(makeDelta)}); whole-volume snapshot restore ${fmt(naiveUndo)} holding ${(snapshot.byteLength / 1e6).toFixed(0)} MB → ${ratio(naiveUndo, undo)} faster, ${(snapshot.byteLength / op.bytes).toFixed(0)}× less memory`);
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
