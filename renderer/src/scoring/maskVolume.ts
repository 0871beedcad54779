import type { MaskData } from '../../../core/contract/masks';
import { base64ToBytes } from '../../../core/encoding/base64';
import { allocateMaskArray, maskArrayConstructors } from '../../../core/masks/mask-dtype';
import type { LabelArray } from '../../../core/metrics/types';

export type MaskArray = LabelArray;

/** A mask set's labels on the page, x fastest, then y, then z (the same order as the service). */
export interface MaskVolume {
  shape: readonly [number, number, number];
  data: MaskArray;
}

export const allocateMask = allocateMaskArray;
export { base64ToBytes };

/** Copies one masks.data answer into the whole-volume array at its slice offset. */
export function placeChunk(target: MaskArray, chunk: MaskData): void {
  const [width, height] = chunk.shape;
  const bytes = base64ToBytes(chunk.base64);
  const Ctor = maskArrayConstructors[chunk.dtype];
  const expected = width * height * chunk.zCount * Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== expected) {
    throw new Error(`mask ${chunk.maskSetId}: slices ${chunk.zStart}+${chunk.zCount} carry ${bytes.byteLength} bytes, expected ${expected}`);
  }
  // bytes is freshly allocated, so its buffer is aligned for any element size.
  const values = new Ctor(bytes.buffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
  target.set(values, chunk.zStart * width * height);
}

/** Slices per masks.data request so one answer stays well under the service's limit. */
export function slicesPerChunk(shape: readonly [number, number, number], bytesPerVoxel: number, budgetBytes = 8 * 1024 * 1024): number {
  return Math.max(1, Math.min(shape[2], Math.floor(budgetBytes / (shape[0] * shape[1] * bytesPerVoxel))));
}
