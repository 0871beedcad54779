// Where each frame's bytes lie in the Pixel Data (7FE0,0010) element: native frames one after another,
// encapsulated frames by the Extended or Basic Offset Table, else one fragment per frame. Every
// declared size is checked against the element and the file before anything is allocated.
import type { DataSet, Element } from 'dicom-parser';
import type { PixelLayout } from './image-attributes';
import { RenderRefusal } from './render-refusal';

const UNDEFINED_LENGTH = 0xffffffff;
export const PIXEL_DATA_LABEL = 'Pixel Data (7FE0,0010)';

/** Bytes one native frame occupies (YBR_FULL_422 keeps two luma samples per chroma pair: 2/3 of RGB). */
export function nativeFrameBits(layout: PixelLayout): number {
  const pixels = layout.rows * layout.columns;
  const samples = layout.photometric === 'YBR_FULL_422' ? pixels * 2 : pixels * layout.samplesPerPixel;
  return samples * layout.bitsAllocated;
}

/** A native frame: its bytes, and for 1-bit images the bit at which it starts in the first byte. */
export interface NativeFrame {
  bytes: Uint8Array;
  bitOffset: number;
}

/**
 * Frame `frameIndex` (0-based) of native pixel data. Refuses when the element claims more bytes than
 * the data set holds, or holds fewer than rows × columns × frames × samples × bits need.
 */
export function nativeFrame(byteArray: Uint8Array, element: Element, layout: PixelLayout, frameIndex: number): NativeFrame {
  const available = Math.min(element.length, byteArray.length - element.dataOffset);
  if (element.dataOffset + element.length > byteArray.length) {
    throw new RenderRefusal(
      `${PIXEL_DATA_LABEL} claims ${element.length} bytes from byte offset ${element.dataOffset}, but the data set ends at byte ${byteArray.length} (${Math.max(0, available)} bytes of pixel data present)`,
    );
  }
  const frameBits = nativeFrameBits(layout);
  const neededBytes = Math.ceil((frameBits * layout.numberOfFrames) / 8);
  if (available < neededBytes) {
    throw new RenderRefusal(
      `${PIXEL_DATA_LABEL} holds ${available} bytes, but ${layout.rows} × ${layout.columns} × ${layout.numberOfFrames} frame(s) × ` +
        `${layout.samplesPerPixel} sample(s) × ${layout.bitsAllocated} bits need ${neededBytes}`,
    );
  }
  const startBit = frameBits * frameIndex;
  const start = element.dataOffset + Math.floor(startBit / 8);
  const end = element.dataOffset + Math.ceil((startBit + frameBits) / 8);
  return { bytes: byteArray.subarray(start, end), bitOffset: startBit % 8 };
}

interface Fragment {
  /** Offset of the item tag, relative to the first fragment's item tag (what offset tables count in). */
  relativeOffset: number;
  dataOffset: number;
  length: number;
}

/** The items of encapsulated pixel data: the Basic Offset Table (first item) and the fragments. */
function readItems(byteArray: Uint8Array, element: Element): { basicOffsetTable: Uint8Array; fragments: Fragment[] } {
  const view = new DataView(byteArray.buffer, byteArray.byteOffset, byteArray.byteLength);
  const items: Array<{ tagOffset: number; dataOffset: number; length: number }> = [];
  let position = element.dataOffset;
  while (position + 8 <= byteArray.length) {
    const group = view.getUint16(position, true);
    const elementNumber = view.getUint16(position + 2, true);
    const length = view.getUint32(position + 4, true);
    if (group === 0xfffe && elementNumber === 0xe0dd) break;
    if (group !== 0xfffe || elementNumber !== 0xe000) {
      throw new RenderRefusal(`encapsulated ${PIXEL_DATA_LABEL}: item ${items.length} at byte offset ${position} has tag (${hex(group)},${hex(elementNumber)}), not an item (FFFE,E000)`);
    }
    if (length === UNDEFINED_LENGTH || position + 8 + length > byteArray.length) {
      throw new RenderRefusal(
        `encapsulated ${PIXEL_DATA_LABEL}: item ${items.length} at byte offset ${position} claims ${length === UNDEFINED_LENGTH ? 'an undefined length' : `${length} bytes`}, but the file ends at byte ${byteArray.length}`,
      );
    }
    items.push({ tagOffset: position, dataOffset: position + 8, length });
    position += 8 + length;
  }
  if (items.length === 0) throw new RenderRefusal(`encapsulated ${PIXEL_DATA_LABEL} at byte offset ${element.dataOffset} holds no items (not even the Basic Offset Table)`);
  const [table, ...rest] = items;
  const firstTag = rest[0]?.tagOffset ?? 0;
  return {
    basicOffsetTable: byteArray.subarray(table.dataOffset, table.dataOffset + table.length),
    fragments: rest.map((item) => ({ relativeOffset: item.tagOffset - firstTag, dataOffset: item.dataOffset, length: item.length })),
  };
}

const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

/** Fragments whose item tag lies in [start, end) (relative offsets), joined. */
function joinFragments(byteArray: Uint8Array, fragments: Fragment[], start: number, end: number): Uint8Array {
  const parts = fragments.filter((f) => f.relativeOffset >= start && f.relativeOffset < end);
  if (parts.length === 1) return byteArray.subarray(parts[0].dataOffset, parts[0].dataOffset + parts[0].length);
  const out = new Uint8Array(parts.reduce((sum, f) => sum + f.length, 0));
  let at = 0;
  for (const f of parts) {
    out.set(byteArray.subarray(f.dataOffset, f.dataOffset + f.length), at);
    at += f.length;
  }
  return out;
}

/** Offsets from an offset table (4- or 8-byte little-endian values), checked to ascend within the fragments. */
function tableOffsets(bytes: Uint8Array, width: 4 | 8, what: string, frames: number, fragmentsEnd: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.floor(bytes.length / width);
  if (count !== frames) throw new RenderRefusal(`the ${what} lists ${count} frame offset(s) for ${frames} frame(s)`);
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = width === 4 ? view.getUint32(i * 4, true) : Number(view.getBigUint64(i * 8, true));
    if (value > fragmentsEnd || (i > 0 && value <= offsets[i - 1])) {
      throw new RenderRefusal(`the ${what} gives frame ${i + 1} the offset ${value}, out of order or past the pixel data's ${fragmentsEnd} bytes`);
    }
    offsets.push(value);
  }
  return offsets;
}

/** A frame's first bytes say it starts a new JPEG (SOI), JPEG 2000 codestream (SOC SIZ) or JP2 file. */
const startsAFrame = (b: Uint8Array): boolean =>
  b.length >= 4 && ((b[0] === 0xff && b[1] === 0xd8) || (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51) || (b[4] === 0x6a && b[5] === 0x50));

/** The encoded bytes of frame `frameIndex` (0-based) of encapsulated pixel data. */
export function encapsulatedFrame(dataSet: DataSet, byteArray: Uint8Array, element: Element, numberOfFrames: number, frameIndex: number): Uint8Array {
  const { basicOffsetTable, fragments } = readItems(byteArray, element);
  if (fragments.length === 0) throw new RenderRefusal(`encapsulated ${PIXEL_DATA_LABEL} holds an offset table but no fragments`);
  const last = fragments[fragments.length - 1];
  const fragmentsEnd = last.relativeOffset + 8 + last.length;

  const extended = dataSet.elements.x7fe00001;
  if (extended && extended.length > 0) {
    const offsets = tableOffsets(byteArray.subarray(extended.dataOffset, extended.dataOffset + extended.length), 8, 'Extended Offset Table (7FE0,0001)', numberOfFrames, fragmentsEnd);
    return joinFragments(byteArray, fragments, offsets[frameIndex], offsets[frameIndex + 1] ?? Infinity);
  }
  if (basicOffsetTable.length > 0) {
    const offsets = tableOffsets(basicOffsetTable, 4, 'Basic Offset Table', numberOfFrames, fragmentsEnd);
    return joinFragments(byteArray, fragments, offsets[frameIndex], offsets[frameIndex + 1] ?? Infinity);
  }
  if (numberOfFrames === 1) return joinFragments(byteArray, fragments, 0, Infinity);
  if (fragments.length === numberOfFrames) {
    const f = fragments[frameIndex];
    return byteArray.subarray(f.dataOffset, f.dataOffset + f.length);
  }
  // No offset table and more fragments than frames: frames begin where a fragment starts a new codestream.
  const starts = fragments.filter((f) => startsAFrame(byteArray.subarray(f.dataOffset, f.dataOffset + 8)));
  if (starts.length === numberOfFrames) {
    return joinFragments(byteArray, fragments, starts[frameIndex].relativeOffset, starts[frameIndex + 1]?.relativeOffset ?? Infinity);
  }
  throw new RenderRefusal(
    `encapsulated ${PIXEL_DATA_LABEL} holds ${fragments.length} fragments for ${numberOfFrames} frames and no offset table to say which belong to frame ${frameIndex + 1}`,
  );
}
