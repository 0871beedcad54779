import type { LabelArray } from '../metrics/types';

/**
 * The narrowest label array type that holds every value in [minValue, maxValue], or null when none
 * does (labels beyond 32 bits). Keeping label maps narrow matters: a 512×512×400 CT label map is
 * 100 MB as Float64 but 100 MB / 8 as Uint8.
 */
export function labelArrayFor(minValue: number, maxValue: number, length: number): LabelArray | null {
  if (minValue >= 0) {
    if (maxValue <= 0xff) return new Uint8Array(length);
    if (maxValue <= 0xffff) return new Uint16Array(length);
    if (maxValue <= 0xffffffff) return new Uint32Array(length);
    return null;
  }
  if (minValue >= -0x80 && maxValue <= 0x7f) return new Int8Array(length);
  if (minValue >= -0x8000 && maxValue <= 0x7fff) return new Int16Array(length);
  if (minValue >= -0x80000000 && maxValue <= 0x7fffffff) return new Int32Array(length);
  return null;
}
