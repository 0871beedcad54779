import type { MaskData } from '../../../core/contract/masks';
import { allocateMaskArray, maskArrayConstructors } from '../../../core/masks/mask-dtype';
import type { LabelArray } from '../../../core/metrics/types';

export type MaskArray = LabelArray;

/** A mask set's labels on the page, x fastest, then y, then z (the same order as the service). */
export interface MaskVolume {
  shape: readonly [number, number, number];
  data: MaskArray;
}

export const allocateMask = allocateMaskArray;

/** Copies one masks.data answer into the whole-volume array at its slice offset. */
export function placeChunk(target: MaskArray, chunk: MaskData): void {
  const [width, height] = chunk.shape;
  const { labels } = chunk;
  const Ctor = maskArrayConstructors[chunk.dtype];
  // A label array of another type would be converted silently by set(); a mismatch is a service bug to name.
  if (!(labels instanceof Ctor)) {
    throw new Error(`mask ${chunk.maskSetId}: slices ${chunk.zStart}+${chunk.zCount} carry a ${labels.constructor.name}, expected the ${Ctor.name} of dtype ${chunk.dtype}`);
  }
  const expected = width * height * chunk.zCount;
  if (labels.length !== expected) {
    throw new Error(`mask ${chunk.maskSetId}: slices ${chunk.zStart}+${chunk.zCount} carry ${labels.length} labels, expected ${expected}`);
  }
  target.set(labels, chunk.zStart * width * height);
}

/** Slices per masks.data request so one answer stays well under the service's limit. */
export function slicesPerChunk(shape: readonly [number, number, number], bytesPerVoxel: number, budgetBytes = 8 * 1024 * 1024): number {
  return Math.max(1, Math.min(shape[2], Math.floor(budgetBytes / (shape[0] * shape[1] * bytesPerVoxel))));
}
