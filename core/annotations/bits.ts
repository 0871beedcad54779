// Bit-packing of binary slices: 8 voxels per byte, the first voxel in the least significant bit (as DICOM SEG BINARY).

/** Packs voxels [start, start + count) of a 0/1 mask (any non-zero counts as 1) into ceil(count / 8) bytes. */
export function packBits(mask: Uint8Array, start = 0, count = mask.length - start): Uint8Array {
  const packed = new Uint8Array((count + 7) >> 3);
  const whole = count >> 3;
  const absolute = mask.byteOffset + start;
  if ((absolute & 3) === 0) {
    // Four voxels a 32-bit word: most words of a mask are 0 and cost one test.
    const words = new Uint32Array(mask.buffer, absolute, whole * 2);
    for (let b = 0, w = 0; b < whole; b++, w += 2) {
      const lo = words[w];
      const hi = words[w + 1];
      if ((lo | hi) === 0) continue;
      packed[b] = nibble(lo) | (nibble(hi) << 4);
    }
  } else {
    for (let b = 0, i = start; b < whole; b++, i += 8) {
      packed[b] =
        (mask[i] ? 1 : 0) | (mask[i + 1] ? 2 : 0) | (mask[i + 2] ? 4 : 0) | (mask[i + 3] ? 8 : 0) |
        (mask[i + 4] ? 16 : 0) | (mask[i + 5] ? 32 : 0) | (mask[i + 6] ? 64 : 0) | (mask[i + 7] ? 128 : 0);
    }
  }
  for (let k = whole * 8; k < count; k++) if (mask[start + k]) packed[k >> 3] |= 1 << (k & 7);
  return packed;
}

/** Four little-endian voxel bytes → 4 bits (bit k set when byte k is non-zero). */
function nibble(word: number): number {
  let b = (word | (word >>> 4)) & 0x0f0f0f0f;
  b = (b | (b >>> 2)) & 0x03030303;
  b = (b | (b >>> 1)) & 0x01010101;
  return (b | (b >>> 7) | (b >>> 14) | (b >>> 21)) & 0x0f;
}

/** Unpacks `count` voxels into `out` at `offset` (0/1 bytes); the inverse of packBits. */
export function unpackBitsInto(packed: Uint8Array, count: number, out: Uint8Array, offset = 0): void {
  if (packed.length < (count + 7) >> 3) throw new RangeError(`packed slice has ${packed.length} bytes, ${count} voxels need ${(count + 7) >> 3}`);
  for (let k = 0; k < count; k++) out[offset + k] = (packed[k >> 3] >> (k & 7)) & 1;
}

export function unpackBits(packed: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  unpackBitsInto(packed, count, out);
  return out;
}

/** True when voxels [start, start + count) are all 0 (an empty slice is stored as nothing). */
export function isEmptyRange(mask: Uint8Array, start: number, count: number): boolean {
  let i = start;
  const end = start + count;
  const absolute = mask.byteOffset + start;
  if ((absolute & 3) === 0 && count >= 4) {
    const words = new Uint32Array(mask.buffer, absolute, count >> 2);
    for (let w = 0; w < words.length; w++) if (words[w] !== 0) return false;
    i += words.length * 4;
  }
  for (; i < end; i++) if (mask[i]) return false;
  return true;
}

/** Number of set voxels in a packed slice. */
export function countPackedBits(packed: Uint8Array): number {
  let total = 0;
  for (let b = 0; b < packed.length; b++) {
    let v = packed[b];
    v = v - ((v >> 1) & 0x55);
    v = (v & 0x33) + ((v >> 2) & 0x33);
    total += (v + (v >> 4)) & 0x0f;
  }
  return total;
}

export const bytesEqual = (a: Uint8Array | null, b: Uint8Array | null): boolean => {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};
