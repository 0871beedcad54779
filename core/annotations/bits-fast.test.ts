import { describe, expect, it } from 'vitest';
import { isEmptyRange, packBits, unpackBits } from './bits';

describe('packBits word path', () => {
  it('gives the same bits on aligned and unaligned starts, with values other than 1 counting as set', () => {
    const mask = new Uint8Array(203);
    for (let i = 0; i < mask.length; i++) mask[i] = i % 3 === 0 ? 0 : i % 7 === 0 ? 255 : i % 5 === 0 ? 2 : 0;
    for (const start of [0, 1, 2, 3, 4, 8, 13]) {
      const count = mask.length - start;
      const packed = packBits(mask, start, count);
      const expected = Uint8Array.from(mask.subarray(start), (v) => (v ? 1 : 0));
      expect(unpackBits(packed, count)).toEqual(expected);
    }
    // A view with an odd byteOffset takes the byte path.
    const view = new Uint8Array(mask.buffer, 1, 100);
    expect(unpackBits(packBits(view), 100)).toEqual(Uint8Array.from(view, (v) => (v ? 1 : 0)));
  });

  it('finds a single set voxel anywhere when checking for an empty range', () => {
    const mask = new Uint8Array(64);
    expect(isEmptyRange(mask, 0, 64)).toBe(true);
    for (const i of [0, 5, 31, 63]) {
      mask.fill(0);
      mask[i] = 1;
      expect(isEmptyRange(mask, 0, 64)).toBe(false);
      expect(isEmptyRange(mask, i === 0 ? 1 : 0, i === 0 ? 63 : i)).toBe(true);
    }
  });
});
