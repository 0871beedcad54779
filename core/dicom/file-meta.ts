import dicomParser, { type DataSet } from 'dicom-parser';

/**
 * The file meta header (PS3.10 7.1): "DICM" at byte 128, then group 0002 elements in explicit VR
 * little endian. One reader for every caller (header reading, rendering, SEG import), because
 * dicom-parser's readPart10Header reads one element past the group before it sees the group ended:
 * in a deflated file that element is compressed bytes, which it fails on now and then (a file in a
 * few hundred). Here the group is walked by its own lengths and only its bytes reach the parser.
 */

export const VALID_VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);
/** VRs with a reserved 2 bytes and a 4-byte length in explicit VR (PS3.5 7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

export interface MetaElement {
  /** Byte offset of the element's tag. */
  at: number;
  element: number;
  /** Where its value starts, and how many bytes it claims (maybe past the bytes read). */
  valueAt: number;
  length: number;
}

export const hasDicmMarker = (bytes: Uint8Array): boolean =>
  bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;

const u16 = (bytes: Uint8Array, at: number): number => bytes[at] | (bytes[at + 1] << 8);
const u32 = (bytes: Uint8Array, at: number): number => (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) + bytes[at + 3] * 2 ** 24;

/**
 * The meta header's elements from byte 132, read by their own lengths (plain bytes: the renderer has
 * no Buffer). The return value says where the walk stopped and whether that is the group's end.
 */
export function* metaElements(bytes: Uint8Array): Generator<MetaElement, { end: number; complete: boolean }> {
  let at = 132;
  while (at + 8 <= bytes.length) {
    if (u16(bytes, at) !== 0x0002) return { end: at, complete: true };
    const element = u16(bytes, at + 2);
    const vr = String.fromCharCode(bytes[at + 4], bytes[at + 5]);
    if (!VALID_VRS.has(vr)) return { end: at, complete: false };
    const long = LONG_VRS.has(vr);
    if (long && at + 12 > bytes.length) return { end: at, complete: false };
    const length = long ? u32(bytes, at + 8) : u16(bytes, at + 6);
    const valueAt = at + (long ? 12 : 8);
    yield { at, element, valueAt, length };
    at = valueAt + length;
  }
  return { end: at, complete: false };
}

/** Offset of the first byte after the meta header, or null when the bytes read do not tell. */
function walkedMetaEnd(bytes: Uint8Array): number | null {
  if (!hasDicmMarker(bytes)) return null;
  const walk = metaElements(bytes);
  for (let step = walk.next(); ; step = walk.next()) {
    if (step.done) return step.value.complete ? step.value.end : null;
    if (step.value.valueAt + step.value.length > bytes.length) return null;
  }
}

export interface FileMeta {
  /** The parsed group 0002 elements (offsets into `bytes`). */
  dataSet: DataSet;
  sopClassUid: string;
  transferSyntaxUid: string;
  /** Offset of the first data set element after the meta header. */
  dataSetStart: number;
}

const cleanUid = (meta: DataSet, tag: string): string => (meta.string(tag) ?? '').replace(/\0/g, '').trim();

/**
 * The meta header of a Part 10 file, or null for bytes without "DICM" or a meta header the parser
 * cannot read. When the group's end cannot be told from the bytes (cut off, a bad VR), the parser
 * gets them all, as before, and its failure is the caller's to explain.
 */
export function readFileMeta(bytes: Buffer): FileMeta | null {
  if (!hasDicmMarker(bytes)) return null;
  const end = walkedMetaEnd(bytes);
  try {
    const meta = dicomParser.readPart10Header(end === null ? bytes : bytes.subarray(0, end)) as DataSet & { position?: number };
    return { dataSet: meta, sopClassUid: cleanUid(meta, 'x00020002'), transferSyntaxUid: cleanUid(meta, 'x00020010'), dataSetStart: meta.position ?? 0 };
  } catch {
    return null;
  }
}
