/**
 * Where a data set's sequences nest deeper than a limit, found without recursion: for the files the
 * fast path does not take, whose parse by dicom-parser (recursive) ran out of call stack. Little
 * endian (explicit or implicit VR) or explicit VR big endian; null when the bytes cannot be followed that far.
 */
const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;
const PIXEL_DATA = 0x7fe00010;
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** Byte offset of the value of the first sequence nested deeper than `maxDepth`, or null. Big endian: explicit VR only. */
export function nestingTooDeepAt(bytes: Uint8Array, start: number, explicit: boolean, maxDepth: number, littleEndian = true): number | null {
  const u16 = littleEndian ? (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8) : (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1];
  const u32 = littleEndian
    ? (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000
    : (b: Uint8Array, at: number): number => b[at] * 0x1000000 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
  const tagAt = (b: Uint8Array, at: number): number => ((u16(b, at) << 16) | u16(b, at + 2)) >>> 0;
  // Open containers, innermost last: whether each is a sequence, and where it ends (Infinity: at its delimiter).
  const isSequence: boolean[] = [];
  const ends: number[] = [];
  let depth = 0;
  const pop = (): void => {
    if (isSequence.pop()) depth--;
    ends.pop();
  };
  let position = start;
  while (position + 8 <= bytes.length) {
    while (ends.length > 0 && position >= ends[ends.length - 1]) pop();
    const tag = tagAt(bytes, position);
    if (tag === ITEM) {
      const length = u32(bytes, position + 4);
      isSequence.push(false);
      ends.push(length === UNDEFINED_LENGTH ? Infinity : position + 8 + length);
      position += 8;
      continue;
    }
    if (tag === ITEM_DELIMITER || tag === SEQUENCE_DELIMITER) {
      const closesSequence = tag === SEQUENCE_DELIMITER;
      while (isSequence.length > 0) {
        const wasSequence = isSequence[isSequence.length - 1];
        pop();
        if (wasSequence === closesSequence) break;
      }
      position += 8;
      continue;
    }
    if (tag === PIXEL_DATA) return null;
    let length: number;
    let valueAt: number;
    let declaredSequence = false;
    if (explicit) {
      const vr = String.fromCharCode(bytes[position + 4], bytes[position + 5]);
      if (LONG_VRS.has(vr)) {
        if (position + 12 > bytes.length) return null;
        length = u32(bytes, position + 8);
        valueAt = position + 12;
      } else {
        length = u16(bytes, position + 6);
        valueAt = position + 8;
      }
      declaredSequence = vr === 'SQ';
    } else {
      length = u32(bytes, position + 4);
      valueAt = position + 8;
    }
    // Implicit VR: a value that starts with an item tag is a sequence (as dicom-parser decides).
    const sequence = declaredSequence || (!explicit && valueAt + 4 <= bytes.length && tagAt(bytes, valueAt) === ITEM);
    if (sequence) {
      if (depth >= maxDepth) return valueAt;
      depth++;
      isSequence.push(true);
      ends.push(length === UNDEFINED_LENGTH ? Infinity : valueAt + length);
      position = valueAt;
      continue;
    }
    if (length === UNDEFINED_LENGTH) return null;
    position = valueAt + length;
  }
  return null;
}
