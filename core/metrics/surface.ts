/**
 * Surface distances between two binary masks (one label of two volumes), in mm.
 *
 * Definitions used here:
 * - mask: voxels equal to `label`, or every non-zero voxel when no label is given.
 * - surface voxel: a mask voxel with at least one 6-connected neighbour outside the mask, or
 *   on the volume edge. For a 2-D mask (depth 1) the z edge does not count, otherwise every
 *   voxel of a single slice would be "surface".
 * - d(a, B): Euclidean distance (mm, anisotropic spacing respected) from surface voxel a of one
 *   mask to the nearest surface voxel of the other, from an exact distance transform.
 * - HD95: the 95th percentile of the POOLED set {d(a, Pred) for a in truth surface} ∪
 *   {d(b, Truth) for b in pred surface}, with linear interpolation between order statistics
 *   (position 0.95·(n−1) in the sorted list, as numpy.percentile's default). Note this is not
 *   max(p95 one way, p95 other way), which some libraries report.
 * - ASSD: the mean of that same pooled set (sum of both directions / total surface voxels).
 * - hausdorffMm: the maximum of the pooled set (the classical Hausdorff distance).
 * - Both masks empty → all 0. Exactly one empty → all Infinity (no surface to measure to).
 */
import { squaredDistanceTransform } from './edt';
import type { LabelVolume } from './types';
import { assertSameShape, foregroundBoundingBox } from './volume';

/** Largest union bounding box handled (Float64 distance map: 2 GiB at this size). */
const MAX_CROP_VOXELS = 1 << 28;

export interface SurfaceDistances {
  hd95Mm: number;
  assdMm: number;
  hausdorffMm: number;
  truthSurfaceVoxels: number;
  predSurfaceVoxels: number;
}

export function surfaceDistances(truth: LabelVolume, pred: LabelVolume, label?: number): SurfaceDistances {
  assertSameShape(truth, pred);
  const spacing = truth.spacingMm;
  if (!spacing.every((s) => Number.isFinite(s) && s > 0)) {
    throw new Error(`${truth.source}: spacing ${spacing.join('×')} mm must be positive for surface distances`);
  }
  const truthBox = foregroundBoundingBox([truth], label);
  const predBox = foregroundBoundingBox([pred], label);
  if (!truthBox && !predBox) return { hd95Mm: 0, assdMm: 0, hausdorffMm: 0, truthSurfaceVoxels: 0, predSurfaceVoxels: 0 };
  if (!truthBox || !predBox) {
    return {
      hd95Mm: Infinity,
      assdMm: Infinity,
      hausdorffMm: Infinity,
      truthSurfaceVoxels: truthBox ? countSurface(truth, truthBox, label) : 0,
      predSurfaceVoxels: predBox ? countSurface(pred, predBox, label) : 0,
    };
  }
  // Work in the union bounding box: every surface voxel lies inside it, so distances between
  // them are exact there, and memory scales with the masks rather than the whole volume.
  const box: [number, number, number, number, number, number] = [
    Math.min(truthBox[0], predBox[0]),
    Math.min(truthBox[1], predBox[1]),
    Math.min(truthBox[2], predBox[2]),
    Math.max(truthBox[3], predBox[3]),
    Math.max(truthBox[4], predBox[4]),
    Math.max(truthBox[5], predBox[5]),
  ];
  const cropShape: [number, number, number] = [box[3] - box[0] + 1, box[4] - box[1] + 1, box[5] - box[2] + 1];
  const cropVoxels = cropShape[0] * cropShape[1] * cropShape[2];
  if (cropVoxels > MAX_CROP_VOXELS) {
    // ~10 bytes per voxel: fail clearly rather than exhaust memory.
    throw new Error(
      `${truth.source} vs ${pred.source}: the masks span ${cropShape.join('×')} voxels, more than the ${MAX_CROP_VOXELS} surface distances can hold in memory; score one label at a time`,
    );
  }
  const truthSurface = surfaceMask(cropMask(truth, box, label), cropShape, truth.shape[2] > 1);
  const predSurface = surfaceMask(cropMask(pred, box, label), cropShape, truth.shape[2] > 1);

  const truthToPred = distancesAt(truthSurface, squaredDistanceTransform(predSurface, cropShape, spacing));
  const predToTruth = distancesAt(predSurface, squaredDistanceTransform(truthSurface, cropShape, spacing));
  const pooled = new Float64Array(truthToPred.length + predToTruth.length);
  pooled.set(truthToPred, 0);
  pooled.set(predToTruth, truthToPred.length);
  pooled.sort();

  let sum = 0;
  for (let i = 0; i < pooled.length; i++) sum += pooled[i];
  return {
    hd95Mm: percentileOfSorted(pooled, 0.95),
    assdMm: sum / pooled.length,
    hausdorffMm: pooled[pooled.length - 1],
    truthSurfaceVoxels: truthToPred.length,
    predSurfaceVoxels: predToTruth.length,
  };
}

/** Linear interpolation between order statistics at position q·(n−1) (numpy's default). */
export function percentileOfSorted(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

function cropMask(volume: LabelVolume, box: number[], label: number | undefined): Uint8Array {
  const [w, h] = volume.shape;
  const [x0, y0, z0, x1, y1, z1] = box;
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const mask = new Uint8Array(cw * ch * (z1 - z0 + 1));
  const data = volume.data;
  let out = 0;
  for (let z = z0; z <= z1; z++) {
    for (let y = y0; y <= y1; y++) {
      const row = (z * h + y) * w;
      for (let x = x0; x <= x1; x++) {
        const v = data[row + x];
        mask[out++] = (label === undefined ? v !== 0 : v === label) ? 1 : 0;
      }
    }
  }
  return mask;
}

/**
 * Surface voxels of a cropped mask. Outside the crop is background or the volume edge, so a
 * mask voxel on the crop border is surface along x and y, and along z unless the volume is 2-D.
 */
function surfaceMask(mask: Uint8Array, shape: readonly [number, number, number], zEdgeCounts: boolean): Uint8Array {
  const [w, h, d] = shape;
  const surface = new Uint8Array(mask.length);
  const slice = w * h;
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = x + w * y + slice * z;
        if (mask[i] === 0) continue;
        const onSurface =
          x === 0 || x === w - 1 || mask[i - 1] === 0 || mask[i + 1] === 0 ||
          y === 0 || y === h - 1 || mask[i - w] === 0 || mask[i + w] === 0 ||
          (z === 0 ? zEdgeCounts : mask[i - slice] === 0) ||
          (z === d - 1 ? zEdgeCounts : mask[i + slice] === 0);
        if (onSurface) surface[i] = 1;
      }
    }
  }
  return surface;
}

function countSurface(volume: LabelVolume, box: number[], label: number | undefined): number {
  const shape: [number, number, number] = [box[3] - box[0] + 1, box[4] - box[1] + 1, box[5] - box[2] + 1];
  const surface = surfaceMask(cropMask(volume, box, label), shape, volume.shape[2] > 1);
  let count = 0;
  for (let i = 0; i < surface.length; i++) count += surface[i];
  return count;
}

function distancesAt(surface: Uint8Array, squaredDistance: Float64Array): Float64Array {
  let count = 0;
  for (let i = 0; i < surface.length; i++) count += surface[i];
  const distances = new Float64Array(count);
  let out = 0;
  for (let i = 0; i < surface.length; i++) if (surface[i] !== 0) distances[out++] = Math.sqrt(squaredDistance[i]);
  return distances;
}
