import type { MaskData, MaskDtype } from '../../../core/contract/masks';

export type MaskArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** A mask set's labels on the page, x fastest, then y, then z (the same order as the service). */
export interface MaskVolume {
  shape: readonly [number, number, number];
  data: MaskArray;
}

const constructors = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
} as const;

export const allocateMask = (dtype: MaskDtype, length: number): MaskArray => new constructors[dtype](length);

/** Decodes base64 into bytes without building an intermediate string per byte beyond atob's. */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Copies one masks.data answer into the whole-volume array at its slice offset. */
export function placeChunk(target: MaskArray, chunk: MaskData): void {
  const [width, height] = chunk.shape;
  const bytes = base64ToBytes(chunk.base64);
  const Ctor = constructors[chunk.dtype];
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
