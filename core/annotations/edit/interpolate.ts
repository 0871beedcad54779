// Interpolation of the slices between drawn ones: shape-based, by blending the drawn slices' signed distance maps.
import { isEmptyRange } from '../bits';
import { squaredDistanceTransform } from '../../metrics/edt';
import { IndexBuffer } from './index-buffer';
import { checkSpacing, checkVoxelCount, inPlaneAxes, type EditVolume } from './types';

export interface InterpolationOptions {
  /** The axis the slices are stacked along (2 = k, axial slices; 0 sagittal, 1 coronal). Default 2. */
  axis?: 0 | 1 | 2;
  /** Only gaps within these slice indices (inclusive) are filled; default all. */
  fromSlice?: number;
  toSlice?: number;
}

/** One slice across `axis` as its own 2-D grid: rows along `u`, columns along `v`, with strides into the volume. */
interface SliceLayout {
  axis: 0 | 1 | 2;
  width: number;
  height: number;
  uStride: number;
  vStride: number;
  sliceStride: number;
  spacingMm: [number, number, number];
}

function layoutOf(volume: EditVolume, axis: 0 | 1 | 2): SliceLayout {
  const [w, h] = volume.shape;
  const strides = [1, w, w * h];
  const [u, v] = inPlaneAxes(axis);
  return {
    axis,
    width: volume.shape[u],
    height: volume.shape[v],
    uStride: strides[u],
    vStride: strides[v],
    sliceStride: strides[axis],
    spacingMm: [volume.spacingMm[u], volume.spacingMm[v], 1],
  };
}

function readSlice(mask: Uint8Array, layout: SliceLayout, slice: number, out: Uint8Array): boolean {
  let any = false;
  const base = slice * layout.sliceStride;
  for (let pv = 0, k = 0; pv < layout.height; pv++) {
    const row = base + pv * layout.vStride;
    for (let pu = 0; pu < layout.width; pu++, k++) {
      const bit = mask[row + pu * layout.uStride] !== 0 ? 1 : 0;
      out[k] = bit;
      any ||= bit === 1;
    }
  }
  return any;
}

/**
 * The slice's signed distance in mm: negative inside, positive outside, 0 halfway between the last voxel in
 * and the first voxel out (each side's distance less half a voxel), so blending two maps moves the rim smoothly.
 */
function signedDistance(slice: Uint8Array, layout: SliceLayout): Float64Array {
  const shape = [layout.width, layout.height, 1] as const;
  const toInside = squaredDistanceTransform(slice, shape, layout.spacingMm);
  const outside = new Uint8Array(slice.length);
  for (let i = 0; i < slice.length; i++) outside[i] = slice[i] ^ 1;
  const toOutside = squaredDistanceTransform(outside, shape, layout.spacingMm);
  const half = Math.min(layout.spacingMm[0], layout.spacingMm[1]) / 2;
  const signed = new Float64Array(slice.length);
  for (let i = 0; i < slice.length; i++) signed[i] = slice[i] ? half - Math.sqrt(toOutside[i]) : Math.sqrt(toInside[i]) - half;
  return signed;
}

/**
 * Fills the empty slices between drawn (non-empty) ones along `axis`: slice t of the way from drawn slice A to
 * drawn slice B gets the voxels where (1 − t)·sdA + t·sdB ≤ 0 (sd = signed distance). Slices already holding
 * voxels are never changed, so only the gaps between drawn slices fill. Returns the set indices, ascending.
 */
export function interpolateSlices(mask: Uint8Array, volume: EditVolume, options: InterpolationOptions = {}): Uint32Array {
  checkVoxelCount('interpolateSlices', 'mask', mask.length, volume);
  checkSpacing('interpolateSlices', volume);
  const axis = options.axis ?? 2;
  const count = volume.shape[axis];
  const from = Math.max(0, options.fromSlice ?? 0);
  const to = Math.min(count - 1, options.toSlice ?? count - 1);
  const layout = layoutOf(volume, axis);
  const scratch = new Uint8Array(layout.width * layout.height);
  const drawn: number[] = [];
  const perSlice = layout.width * layout.height;
  for (let s = from; s <= to; s++) {
    // Axial slices are contiguous: a word-at-a-time emptiness test instead of copying each one.
    const hasVoxels = axis === 2 ? !isEmptyRange(mask, s * perSlice, perSlice) : readSlice(mask, layout, s, scratch);
    if (hasVoxels) drawn.push(s);
  }
  const changed = new IndexBuffer();
  // The far slice of one gap is the near slice of the next: its map is computed once.
  let cached: { slice: number; sd: Float64Array } | null = null;
  const signedDistanceOf = (slice: number): Float64Array => {
    if (cached?.slice === slice) return cached.sd;
    readSlice(mask, layout, slice, scratch);
    return signedDistance(scratch, layout);
  };
  for (let g = 0; g + 1 < drawn.length; g++) {
    const near = drawn[g];
    const far = drawn[g + 1];
    const gap = far - near;
    if (gap < 2) continue;
    const sdNear = signedDistanceOf(near);
    const sdFar = signedDistanceOf(far);
    cached = { slice: far, sd: sdFar };
    for (let s = near + 1; s < far; s++) {
      const t = (s - near) / gap;
      const base = s * layout.sliceStride;
      for (let pv = 0, k = 0; pv < layout.height; pv++) {
        const row = base + pv * layout.vStride;
        for (let pu = 0; pu < layout.width; pu++, k++) {
          if ((1 - t) * sdNear[k] + t * sdFar[k] > 0) continue;
          const index = row + pu * layout.uStride;
          mask[index] = 1;
          changed.push(index);
        }
      }
    }
  }
  return changed.toSortedArray();
}
