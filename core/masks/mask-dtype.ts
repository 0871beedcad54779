import type { MaskDtype } from '../contract/masks';
import type { LabelArray } from '../metrics/types';

/**
 * The typed array behind each mask dtype of the contract. Pure (no Node imports): the service slices
 * label maps with it and the renderer allocates its copy of the volume with it.
 */
export const maskArrayConstructors = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
} as const;

export const allocateMaskArray = (dtype: MaskDtype, length: number): LabelArray => new maskArrayConstructors[dtype](length);

export const bytesPerVoxel = (dtype: MaskDtype): number => maskArrayConstructors[dtype].BYTES_PER_ELEMENT;
