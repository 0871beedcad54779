// From "these voxels changed" (what every kernel returns) to a Delta of packed before/after slices.
import { isEmptyRange } from '../bits';
import { packSlice, type Delta, type SliceChange } from '../delta';
import { voxelsPerSlice, type SegmentationContent } from '../model';

/**
 * The Delta (packed before/after slices) of a mask edit given its changed indices, for undo and for the store.
 *
 * Call it after the edit: segment `segment`'s mask in `content` holds the new state, and `changed` (ascending,
 * no repeats; what paintStroke and the other kernels return, or mergeChanges of several) lists the voxels that
 * were flipped — `before: 'flipped'` says each held the other value before. Only the slices touched appear,
 * ordered by z; each slice's `before` is its new bits with the changed voxels flipped back (null = empty).
 */
export function deltaOfChange(content: SegmentationContent, segment: number, changed: Uint32Array, before: 'flipped' = 'flipped'): Delta {
  void before; // the only recovery rule there is today; the parameter keeps the rule visible at call sites
  const mask = content.masks.get(segment);
  if (!mask) throw new RangeError(`deltaOfChange: the segmentation has no segment ${segment}`);
  const { shape } = content;
  const perSlice = voxelsPerSlice(shape);
  const packedBytes = (perSlice + 7) >> 3;
  const slices: SliceChange[] = [];
  let k = 0;
  while (k < changed.length) {
    const z = Math.floor(changed[k] / perSlice);
    if (z >= shape[2]) throw new RangeError(`deltaOfChange: changed voxel ${changed[k]} is outside the ${shape.join('×')} volume`);
    const sliceStart = z * perSlice;
    const bits = packSlice(mask, shape, z);
    const flipped = bits ? bits.slice() : new Uint8Array(packedBytes);
    let previous = -1;
    for (; k < changed.length && changed[k] < sliceStart + perSlice; k++) {
      if (changed[k] <= previous) throw new RangeError(`deltaOfChange: changed voxels are not ascending without repeats (at ${changed[k]})`);
      previous = changed[k];
      const bit = changed[k] - sliceStart;
      flipped[bit >> 3] ^= 1 << (bit & 7);
    }
    slices.push({ segment, z, bits, before: isEmptyRange(flipped, 0, flipped.length) ? null : flipped });
  }
  return { slices };
}

/**
 * Two changes one after the other as one change (the mouse-move segments of one stroke): ascending lists of
 * flipped voxels composed, so a voxel flipped by both is back where it was and drops out.
 */
export function mergeChanges(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    if (a[i] < b[j]) out[n++] = a[i++];
    else if (b[j] < a[i]) out[n++] = b[j++];
    else {
      i++;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++];
  while (j < b.length) out[n++] = b[j++];
  return out.slice(0, n);
}

/** Bytes a delta holds (what an undo entry costs in memory). */
export function deltaBytes(delta: Delta): number {
  let total = 0;
  for (const change of delta.slices) total += 64 + (change.bits?.length ?? 0) + (change.before?.length ?? 0);
  return total;
}
