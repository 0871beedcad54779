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

/** An inclusive rectangle of a slice in its (u, v) grid. */
interface Box {
  u0: number;
  u1: number;
  v0: number;
  v1: number;
}

/** The bounding box of a slice's set voxels, or null when the slice is empty. */
function sliceBox(mask: Uint8Array, layout: SliceLayout, slice: number): Box | null {
  let box: Box | null = null;
  const base = slice * layout.sliceStride;
  for (let pv = 0; pv < layout.height; pv++) {
    const row = base + pv * layout.vStride;
    for (let pu = 0; pu < layout.width; pu++) {
      if (mask[row + pu * layout.uStride] === 0) continue;
      if (!box) box = { u0: pu, u1: pu, v0: pv, v1: pv };
      else {
        if (pu < box.u0) box.u0 = pu;
        if (pu > box.u1) box.u1 = pu;
        box.v1 = pv;
      }
    }
  }
  return box;
}

/** The 0/1 voxels of a slice inside a box, row by row. */
function readCrop(mask: Uint8Array, layout: SliceLayout, slice: number, box: Box): Uint8Array {
  const width = box.u1 - box.u0 + 1;
  const out = new Uint8Array(width * (box.v1 - box.v0 + 1));
  const base = slice * layout.sliceStride;
  for (let pv = box.v0, k = 0; pv <= box.v1; pv++) {
    const row = base + pv * layout.vStride;
    for (let pu = box.u0; pu <= box.u1; pu++, k++) out[k] = mask[row + pu * layout.uStride] !== 0 ? 1 : 0;
  }
  return out;
}

/**
 * The signed distance in mm over a crop of a slice: negative inside, positive outside, 0 halfway between the
 * last voxel in and the first voxel out (each side's distance less half a voxel), so blending two maps moves
 * the rim smoothly. Exact as long as the crop has a ring of outside voxels or ends at the slice's edge.
 */
function signedDistance(crop: Uint8Array, width: number, height: number, spacingMm: readonly [number, number, number]): Float64Array {
  const shape = [width, height, 1] as const;
  const toInside = squaredDistanceTransform(crop, shape, spacingMm);
  const outside = new Uint8Array(crop.length);
  for (let i = 0; i < crop.length; i++) outside[i] = crop[i] ^ 1;
  const toOutside = squaredDistanceTransform(outside, shape, spacingMm);
  const half = Math.min(spacingMm[0], spacingMm[1]) / 2;
  const signed = new Float64Array(crop.length);
  for (let i = 0; i < crop.length; i++) signed[i] = crop[i] ? half - Math.sqrt(toOutside[i]) : Math.sqrt(toInside[i]) - half;
  return signed;
}

/**
 * Fills the empty slices between drawn (non-empty) ones along `axis`: slice t of the way from drawn slice A to
 * drawn slice B gets the voxels where (1 − t)·sdA + t·sdB ≤ 0 (sd = signed distance). Slices already holding
 * voxels are never changed, so only the gaps between drawn slices fill. Returns the set indices, ascending.
 * Work is confined to the box around both drawn shapes (outside it both distances are positive).
 * The image's edge is not a rim (a shape cut by it keeps its cut), so a slice with no outside voxel at all is
 * infinitely deep inside: the slices next to it fill whole.
 */
export function interpolateSlices(mask: Uint8Array, volume: EditVolume, options: InterpolationOptions = {}): Uint32Array {
  checkVoxelCount('interpolateSlices', 'mask', mask.length, volume);
  checkSpacing('interpolateSlices', volume);
  const axis = options.axis ?? 2;
  const count = volume.shape[axis];
  const from = Math.max(0, options.fromSlice ?? 0);
  const to = Math.min(count - 1, options.toSlice ?? count - 1);
  const layout = layoutOf(volume, axis);
  const perSlice = layout.width * layout.height;
  const drawn: number[] = [];
  for (let s = from; s <= to; s++) {
    // Axial slices are contiguous: a word-at-a-time emptiness test instead of walking each one.
    const hasVoxels = axis === 2 ? !isEmptyRange(mask, s * perSlice, perSlice) : sliceBox(mask, layout, s) !== null;
    if (hasVoxels) drawn.push(s);
  }
  const changed = new IndexBuffer();
  for (let g = 0; g + 1 < drawn.length; g++) {
    const near = drawn[g];
    const far = drawn[g + 1];
    const gap = far - near;
    if (gap < 2) continue;
    const a = sliceBox(mask, layout, near)!;
    const b = sliceBox(mask, layout, far)!;
    // One voxel of margin gives the crop a ring of outside voxels, which keeps the crop's distances exact.
    const box: Box = {
      u0: Math.max(0, Math.min(a.u0, b.u0) - 1),
      u1: Math.min(layout.width - 1, Math.max(a.u1, b.u1) + 1),
      v0: Math.max(0, Math.min(a.v0, b.v0) - 1),
      v1: Math.min(layout.height - 1, Math.max(a.v1, b.v1) + 1),
    };
    const width = box.u1 - box.u0 + 1;
    const height = box.v1 - box.v0 + 1;
    const sdNear = signedDistance(readCrop(mask, layout, near, box), width, height, layout.spacingMm);
    const sdFar = signedDistance(readCrop(mask, layout, far, box), width, height, layout.spacingMm);
    for (let s = near + 1; s < far; s++) {
      const t = (s - near) / gap;
      const base = s * layout.sliceStride;
      for (let pv = box.v0, k = 0; pv <= box.v1; pv++) {
        const row = base + pv * layout.vStride;
        for (let pu = box.u0; pu <= box.u1; pu++, k++) {
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
