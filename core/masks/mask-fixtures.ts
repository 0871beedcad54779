/**
 * Test fixtures written by our own code: label PNGs (pngjs), NIfTI-1 files (header written field by
 * field) and DICOM SEG files (a minimal explicit-VR little-endian writer, so the bit packing of the
 * pixel data is exactly what the test says it is).
 */
import { deflateSync, gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import type { Instance } from '../contract/dicom';

// ---------- Series ----------

/**
 * Image k of a small axial CT series as the index lists it: 4 columns × 3 rows, slices 2.5 mm apart
 * from z = 0 (no pixel spacing in the index), SOP Instance UID `<uidPrefix>.<k + 1>`.
 */
export const axialCtInstance = (uidPrefix: string, k: number): Instance => ({
  sopInstanceUid: `${uidPrefix}.${k + 1}`,
  sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
  path: `/fake/${k}.dcm`,
  fileKey: `key${k}`,
  instanceNumber: k + 1,
  imagePositionPatient: [0, 0, k * 2.5],
  imageOrientationPatient: [1, 0, 0, 0, 1, 0],
  sliceLocation: k * 2.5,
  numberOfFrames: 1,
  rows: 3,
  columns: 4,
  transferSyntaxUid: '1.2.840.10008.1.2.1',
});

// ---------- PNG ----------

/** A grayscale label PNG; values x-fastest. */
export function labelPng(width: number, height: number, values: ArrayLike<number>, bitDepth: 8 | 16 = 8): Uint8Array {
  const png = new PNG({ width, height });
  const options = { colorType: 0 as const, inputColorType: 0 as const, bitDepth, inputHasAlpha: false };
  // pngjs reads 16-bit input as a platform-order Uint16Array over the buffer.
  png.data = bitDepth === 16 ? Buffer.from(Uint16Array.from(values).buffer) : Buffer.from(Uint8Array.from(values));
  return PNG.sync.write(png, options);
}

/** An 8-bit RGB PNG from [r, g, b] per pixel. */
export function rgbPng(width: number, height: number, rgb: [number, number, number][]): Uint8Array {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgb.flat());
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, bitDepth: 8, inputHasAlpha: false });
}

/** CRC-32 as PNG chunks use it (zlib's polynomial), for chunks written by hand. */
function crc32Of(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32Of(out.subarray(4, 8 + data.length)));
  return out;
}

export interface RawPngFixture {
  width: number;
  height: number;
  bitDepth?: number;
  colourType?: number;
  interlaced?: boolean;
  /** The filtered rows (filter byte + samples each), deflated into one IDAT as they are: may hold fewer or more than the header says. */
  filteredRows: Uint8Array;
  /** Drop this many bytes from the end of the deflated stream (a cut-off zlib stream). */
  cutStreamBy?: number;
}

/** A PNG written chunk by chunk, so its IDAT can disagree with its IHDR. */
export function rawPng(f: RawPngFixture): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, f.width);
  view.setUint32(4, f.height);
  ihdr.set([f.bitDepth ?? 8, f.colourType ?? 0, 0, 0, f.interlaced ? 1 : 0], 8);
  const stream = deflateSync(f.filteredRows);
  const idat = stream.subarray(0, stream.length - (f.cutStreamBy ?? 0));
  return concat([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array(0))]);
}

// ---------- NIfTI-1 ----------

export type NiftiDatatype = 'uint8' | 'int16' | 'uint16' | 'int32' | 'float32' | 'float64' | 'complex64';

const niftiTypes: Record<NiftiDatatype, { code: number; bytes: number; write: (v: DataView, o: number, x: number) => void }> = {
  uint8: { code: 2, bytes: 1, write: (v, o, x) => v.setUint8(o, x) },
  int16: { code: 4, bytes: 2, write: (v, o, x) => v.setInt16(o, x, true) },
  uint16: { code: 512, bytes: 2, write: (v, o, x) => v.setUint16(o, x, true) },
  int32: { code: 8, bytes: 4, write: (v, o, x) => v.setInt32(o, x, true) },
  float32: { code: 16, bytes: 4, write: (v, o, x) => v.setFloat32(o, x, true) },
  float64: { code: 64, bytes: 8, write: (v, o, x) => v.setFloat64(o, x, true) },
  complex64: { code: 32, bytes: 8, write: (v, o, x) => v.setFloat32(o, x, true) },
};

export interface NiftiFixture {
  shape: [number, number, number];
  values: ArrayLike<number>;
  datatype: NiftiDatatype;
  spacingMm?: [number, number, number];
  sclSlope?: number;
  sclInter?: number;
  gzip?: boolean;
  /** Append this many fewer data bytes than the header promises. */
  truncateBy?: number;
  /** vox_offset written in the header (the voxels stay at byte 352); for refusals of impossible offsets. */
  voxOffset?: number;
}

/** A single-file NIfTI-1 (.nii): 348-byte header, 4-byte extension flag, voxels x-fastest from byte 352. */
export function niftiFile(f: NiftiFixture): Uint8Array {
  const type = niftiTypes[f.datatype];
  const voxOffset = 352;
  const bytes = new Uint8Array(voxOffset + f.values.length * type.bytes - (f.truncateBy ?? 0));
  const view = new DataView(bytes.buffer);
  view.setInt32(0, 348, true); // sizeof_hdr
  const dims = [3, ...f.shape, 1, 1, 1, 1];
  dims.forEach((d, i) => view.setInt16(40 + 2 * i, d, true));
  view.setInt16(70, type.code, true); // datatype
  view.setInt16(72, type.bytes * 8, true); // bitpix
  const spacing = f.spacingMm ?? [1, 1, 1];
  [1, ...spacing, 1, 1, 1, 1].forEach((p, i) => view.setFloat32(76 + 4 * i, p, true));
  view.setFloat32(108, f.voxOffset ?? voxOffset, true); // vox_offset
  view.setFloat32(112, f.sclSlope ?? 0, true);
  view.setFloat32(116, f.sclInter ?? 0, true);
  view.setUint8(123, 2); // xyzt_units: mm
  bytes.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  const dataView = new DataView(bytes.buffer, voxOffset);
  for (let i = 0; i < f.values.length; i++) {
    const at = i * type.bytes;
    if (at + type.bytes <= dataView.byteLength) type.write(dataView, at, f.values[i]);
  }
  return f.gzip ? gzipSync(bytes) : bytes;
}

// ---------- DICOM ----------

type DicomValue = string | number[] | Uint8Array | DicomElement[][];
interface DicomElement {
  tag: number;
  vr: string;
  value: DicomValue;
}

const longLengthVrs = new Set(['OB', 'OW', 'SQ', 'UN', 'UT', 'UC', 'UR']);

function encodeValue(vr: string, value: DicomValue): Uint8Array {
  if (vr === 'SQ') {
    const items = (value as DicomElement[][]).map((item) => {
      const body = encodeElements(item);
      const header = new DataView(new ArrayBuffer(8));
      header.setUint16(0, 0xfffe, true);
      header.setUint16(2, 0xe000, true);
      header.setUint32(4, body.length, true);
      return concat([new Uint8Array(header.buffer), body]);
    });
    return concat(items);
  }
  if (value instanceof Uint8Array) return value.length % 2 ? concat([value, new Uint8Array(1)]) : value;
  if (Array.isArray(value)) {
    const numbers = value as number[];
    const out = new DataView(new ArrayBuffer(numbers.length * 2));
    numbers.forEach((n, i) => out.setUint16(2 * i, n, true)); // US only
    return new Uint8Array(out.buffer);
  }
  const text = value as string;
  const padded = text.length % 2 ? text + (vr === 'UI' ? '\0' : ' ') : text;
  return new TextEncoder().encode(padded);
}

function encodeElements(elements: DicomElement[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of [...elements].sort((a, b) => a.tag - b.tag)) {
    const value = encodeValue(e.vr, e.value);
    const long = longLengthVrs.has(e.vr);
    const header = new DataView(new ArrayBuffer(long ? 12 : 8));
    header.setUint16(0, e.tag >>> 16, true);
    header.setUint16(2, e.tag & 0xffff, true);
    header.setUint8(4, e.vr.charCodeAt(0));
    header.setUint8(5, e.vr.charCodeAt(1));
    if (long) header.setUint32(8, value.length, true);
    else header.setUint16(6, value.length, true);
    parts.push(new Uint8Array(header.buffer), value);
  }
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function part10(sopClassUid: string, dataset: DicomElement[]): Uint8Array {
  const meta = encodeElements([
    { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: 'UI', value: sopClassUid },
    { tag: 0x00020003, vr: 'UI', value: '2.25.1' },
    { tag: 0x00020010, vr: 'UI', value: '1.2.840.10008.1.2.1' }, // explicit VR little endian
  ]);
  const groupLength = encodeElements([{ tag: 0x00020000, vr: 'UL', value: new Uint8Array(new Uint32Array([meta.length]).buffer) }]);
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM"
  return concat([preamble, groupLength, meta, encodeElements(dataset)]);
}

export interface SegFrameFixture {
  segmentNumber: number;
  /** ImagePositionPatient z; frames are placed on axial planes. */
  zMm: number;
  /** ImagePositionPatient x (default 0), to make tiles rather than slices. */
  xMm?: number;
  /** rows × columns values, row by row: 0/1 for BINARY, 0..max for FRACTIONAL. */
  pixels: ArrayLike<number>;
}

export interface SegFixture {
  /** LABELMAP frames hold label values (8- or 16-bit, see labelMapBits) and no segment reference. */
  type: 'BINARY' | 'FRACTIONAL' | 'LABELMAP';
  labelMapBits?: 8 | 16;
  pixelPaddingValue?: number;
  rows: number;
  columns: number;
  segments: { number: number; label: string }[];
  frames: SegFrameFixture[];
  pixelSpacingMm?: [number, number];
  sliceThicknessMm?: number;
  maxFractional?: number;
  referencedSeriesUid?: string;
  referencedSopInstanceUids?: string[];
  /** Write this NumberOfFrames instead of the real count (to test mismatch errors). */
  claimedFrameCount?: number;
  modality?: string;
  sopClassUid?: string;
  /** Written as SegmentationType instead of `type` (to test unsupported types). */
  segmentationTypeText?: string;
  /** Wrap the pixel data as one encapsulated fragment, as a compressed transfer syntax would. */
  encapsulated?: boolean;
}

function littleEndian16(values: number[]): Uint8Array {
  const out = new DataView(new ArrayBuffer(values.length * 2));
  values.forEach((v, i) => out.setUint16(2 * i, v, true));
  return new Uint8Array(out.buffer);
}

/** Packs 0/1 pixels LSB-first, frame after frame with no padding at frame ends (PS3.5 8.1.1). */
export function packBits(frames: ArrayLike<number>[]): Uint8Array {
  const total = frames.reduce((n, f) => n + f.length, 0);
  const out = new Uint8Array(Math.ceil(total / 8));
  let bit = 0;
  for (const frame of frames) {
    for (let i = 0; i < frame.length; i++, bit++) if (frame[i]) out[bit >> 3] |= 1 << (bit & 7);
  }
  return out;
}

export function segFile(f: SegFixture): Uint8Array {
  const ds = (s: number[]): string => s.map((n) => String(n)).join('\\');
  const samples = f.frames.flatMap((fr) => Array.from(fr.pixels));
  const bitsAllocated = f.type === 'BINARY' ? 1 : f.type === 'LABELMAP' ? (f.labelMapBits ?? 8) : 8;
  const pixelData =
    bitsAllocated === 1 ? packBits(f.frames.map((fr) => fr.pixels)) : bitsAllocated === 16 ? littleEndian16(samples) : Uint8Array.from(samples);
  const defaultSopClass = f.type === 'LABELMAP' ? '1.2.840.10008.5.1.4.1.1.66.7' : '1.2.840.10008.5.1.4.1.1.66.4';
  const referencedSops = f.referencedSopInstanceUids ?? [];
  const dataset: DicomElement[] = [
    { tag: 0x00080016, vr: 'UI', value: f.sopClassUid ?? defaultSopClass },
    { tag: 0x00080018, vr: 'UI', value: '2.25.2' },
    { tag: 0x00080060, vr: 'CS', value: f.modality ?? 'SEG' },
    { tag: 0x00280008, vr: 'IS', value: String(f.claimedFrameCount ?? f.frames.length) },
    { tag: 0x00280010, vr: 'US', value: [f.rows] },
    { tag: 0x00280011, vr: 'US', value: [f.columns] },
    { tag: 0x00280100, vr: 'US', value: [bitsAllocated] },
    { tag: 0x00620001, vr: 'CS', value: f.segmentationTypeText ?? f.type },
    {
      tag: 0x00620002,
      vr: 'SQ',
      value: f.segments.map((s) => [
        { tag: 0x00620004, vr: 'US', value: [s.number] },
        { tag: 0x00620005, vr: 'LO', value: s.label },
      ]),
    },
    {
      tag: 0x52009229,
      vr: 'SQ',
      value: [
        [
          { tag: 0x00209116, vr: 'SQ', value: [[{ tag: 0x00200037, vr: 'DS', value: '1\\0\\0\\0\\1\\0' }]] },
          {
            tag: 0x00289110,
            vr: 'SQ',
            value: [
              [
                { tag: 0x00280030, vr: 'DS', value: ds(f.pixelSpacingMm ?? [1, 1]) },
                { tag: 0x00180050, vr: 'DS', value: String(f.sliceThicknessMm ?? 1) },
              ],
            ],
          },
        ],
      ],
    },
    {
      tag: 0x52009230,
      vr: 'SQ',
      value: f.frames.map((fr) => [
        { tag: 0x00209113, vr: 'SQ', value: [[{ tag: 0x00200032, vr: 'DS', value: ds([fr.xMm ?? 0, 0, fr.zMm]) }]] },
        ...(f.type === 'LABELMAP' ? [] : [{ tag: 0x0062000a, vr: 'SQ', value: [[{ tag: 0x0062000b, vr: 'US', value: [fr.segmentNumber] }]] }]),
      ]),
    },
  ];
  if (!f.encapsulated) dataset.push({ tag: 0x7fe00010, vr: 'OB', value: pixelData });
  if (f.pixelPaddingValue !== undefined) dataset.push({ tag: 0x00280120, vr: 'US', value: [f.pixelPaddingValue] });
  if (f.type === 'FRACTIONAL') {
    dataset.push({ tag: 0x0062000e, vr: 'US', value: [f.maxFractional ?? 255] }, { tag: 0x00620010, vr: 'CS', value: 'PROBABILITY' });
  }
  if (f.referencedSeriesUid) {
    dataset.push({
      tag: 0x00081115,
      vr: 'SQ',
      value: [
        [
          { tag: 0x0020000e, vr: 'UI', value: f.referencedSeriesUid },
          { tag: 0x0008114a, vr: 'SQ', value: referencedSops.map((uid) => [{ tag: 0x00081155, vr: 'UI', value: uid }]) },
        ],
      ],
    });
  }
  const body = part10(f.sopClassUid ?? defaultSopClass, dataset);
  return f.encapsulated ? concat([body, encapsulatedPixelData(pixelData)]) : body;
}

/** (7FE0,0010) OB of undefined length: an empty offset table item, one fragment, a sequence delimiter. */
function encapsulatedPixelData(fragment: Uint8Array): Uint8Array {
  const padded = fragment.length % 2 ? concat([fragment, new Uint8Array(1)]) : fragment;
  const out = new DataView(new ArrayBuffer(12 + 8 + 8 + padded.length + 8));
  let at = 0;
  const tag = (group: number, element: number) => {
    out.setUint16(at, group, true);
    out.setUint16(at + 2, element, true);
    at += 4;
  };
  tag(0x7fe0, 0x0010);
  out.setUint8(at, 0x4f); // 'O'
  out.setUint8(at + 1, 0x42); // 'B'
  out.setUint32(at + 4, 0xffffffff, true);
  at += 8;
  tag(0xfffe, 0xe000);
  out.setUint32(at, 0, true);
  at += 4;
  tag(0xfffe, 0xe000);
  out.setUint32(at, padded.length, true);
  at += 4;
  new Uint8Array(out.buffer).set(padded, at);
  at += padded.length;
  tag(0xfffe, 0xe0dd);
  out.setUint32(at, 0, true);
  return new Uint8Array(out.buffer);
}
