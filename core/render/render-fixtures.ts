// Generated DICOM files for the render tests: every photometric, bit depth, byte order and transfer
// syntax core/render handles, small enough that a test states each expected pixel by hand.
import type { NaturalDataset } from '../dicom/dcmjs-api';
import { encodePart10, fixtureSyntaxUid, newUid, swap16, type FixtureSyntax } from '../fixtures/dicom-writer';
import { createRequire } from 'node:module';
import { rleEncodeFrame } from '../fixtures/rle';

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

export interface ImageFixtureSpec {
  rows: number;
  columns: number;
  /** Stored values per frame, pixel-interleaved as given (planar 1 data given plane by plane). */
  frames: number[][];
  /** 1: frames packed bit by bit, least significant bit first, without padding between frames. */
  bitsAllocated: 1 | 8 | 16 | 32;
  bitsStored?: number;
  signed?: boolean;
  photometric?: string;
  samplesPerPixel?: number;
  planarConfiguration?: 0 | 1;
  syntax?: FixtureSyntax;
  /** Further attributes (window, rescale, palette, …) as dcmjs natural names. */
  extra?: NaturalDataset;
  /** Raw 16-bit words to store instead of `frames` (values above BitsStored, say): little endian as given. */
  rawWords?: number[];
}

/** Little-endian bytes of samples of `bitsAllocated` bits (negative values two's complement). */
export function samplesLE(values: readonly number[], bitsAllocated: 8 | 16 | 32): Uint8Array {
  const bytes = new Uint8Array(values.length * (bitsAllocated / 8));
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    if (bitsAllocated === 8) bytes[i] = v & 0xff;
    else if (bitsAllocated === 16) view.setUint16(i * 2, v & 0xffff, true);
    else view.setUint32(i * 4, v >>> 0, true);
  });
  return bytes;
}

/** Reverses the bytes of each 32-bit sample (little endian <-> big endian). */
function swap32(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + 3 < bytes.length; i += 4) for (let k = 0; k < 4; k++) out[i + k] = bytes[i + 3 - k];
  return out;
}

/** 0/1 values packed least significant bit first (PS3.5 8.1.1), padded to an even length. */
function packBits(bits: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(bits.length / 16) * 2);
  bits.forEach((bit, i) => {
    if (bit) bytes[i >> 3] |= 1 << (i & 7);
  });
  return bytes;
}

const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

function fixtureDataset(spec: ImageFixtureSpec): NaturalDataset {
  const samplesPerPixel = spec.samplesPerPixel ?? 1;
  const bitsStored = spec.bitsStored ?? spec.bitsAllocated;
  return {
    SOPClassUID: SECONDARY_CAPTURE,
    SOPInstanceUID: newUid(),
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    Modality: 'OT',
    PatientName: 'Render^Fixture',
    PatientID: 'RENDER-1',
    SamplesPerPixel: samplesPerPixel,
    PhotometricInterpretation: spec.photometric ?? 'MONOCHROME2',
    Rows: spec.rows,
    Columns: spec.columns,
    BitsAllocated: spec.bitsAllocated,
    BitsStored: bitsStored,
    HighBit: bitsStored - 1,
    PixelRepresentation: spec.signed ? 1 : 0,
    ...(samplesPerPixel > 1 ? { PlanarConfiguration: spec.planarConfiguration ?? 0 } : {}),
    ...(spec.frames.length > 1 ? { NumberOfFrames: spec.frames.length } : {}),
    ...spec.extra,
  };
}

/** One DICOM Part 10 file holding the spec's frames in its transfer syntax. */
export function imageFixture(spec: ImageFixtureSpec): Buffer {
  const syntax = spec.syntax ?? 'explicit-le';
  const samplesPerPixel = spec.samplesPerPixel ?? 1;
  const dataset = fixtureDataset(spec);
  const vr = spec.bitsAllocated > 8 ? 'OW' : 'OB';
  if (spec.bitsAllocated === 1) return encodePart10(dataset, fixtureSyntaxUid[syntax], { frames: [packBits(spec.frames.flat())], vr });
  const framesLE = spec.rawWords ? [samplesLE(spec.rawWords, 16)] : spec.frames.map((f) => samplesLE(f, spec.bitsAllocated as 8 | 16 | 32));
  if (syntax === 'rle') {
    if (samplesPerPixel !== 1) throw new Error('the RLE fixture encoder takes one sample per pixel');
    const fragments = framesLE.map((f) => rleEncodeFrame(f, spec.rows, spec.columns, spec.bitsAllocated / 8));
    return encodePart10(dataset, fixtureSyntaxUid.rle, { frames: fragments, vr: 'OB' });
  }
  // Native frames follow one another in one value.
  let pixels = concat(framesLE);
  if (syntax === 'explicit-be' && spec.bitsAllocated === 16) pixels = swap16(pixels);
  if (syntax === 'explicit-be' && spec.bitsAllocated === 32) pixels = swap32(pixels);
  return encodePart10(dataset, fixtureSyntaxUid[syntax], { frames: [pixels], vr });
}

/** 8-bit palette LUT data one entry per byte (as written into OW). */
export const paletteData8 = (entries: readonly number[]): ArrayBuffer => Uint8Array.from(entries).buffer;

/** 16-bit palette LUT data, little endian. */
export const paletteData16 = (entries: readonly number[]): ArrayBuffer => samplesLE(entries, 16).buffer as ArrayBuffer;

export type OffsetTable = 'none' | 'basic' | 'extended';

/** An explicit VR little endian element header with a 4-byte length (OB, OV). */
function longElement(group: number, element: number, vr: 'OB' | 'OV', length: number): Uint8Array {
  const head = new Uint8Array(12);
  const view = new DataView(head.buffer);
  view.setUint16(0, group, true);
  view.setUint16(2, element, true);
  head[4] = vr.charCodeAt(0);
  head[5] = vr.charCodeAt(1);
  view.setUint32(8, length, true);
  return head;
}

function item(tagElement: number, value: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint16(0, 0xfffe, true);
  view.setUint16(2, tagElement, true);
  view.setUint32(4, value.length, true);
  return concat([head, value]);
}

/**
 * An RLE file whose frames are each split into two fragments (item lengths kept even), so only an
 * offset table says where frames begin: the Basic Offset Table, or the Extended Offset Table
 * (7FE0,0001) with its lengths (7FE0,0002); with 'none', the reader must refuse.
 */
export function rleSplitFragmentsFixture(spec: Omit<ImageFixtureSpec, 'syntax'>, table: OffsetTable): Buffer {
  const header = imageFixture({ ...spec, syntax: 'explicit-le' });
  // Cut the native pixel element off the header-only file: it is the last element.
  const pixelTag = Buffer.from([0xe0, 0x7f, 0x10, 0x00]);
  const headerEnd = header.lastIndexOf(pixelTag);
  const metaUidAt = header.indexOf(Buffer.from('1.2.840.10008.1.2.1\0', 'latin1'));
  const prefix = Buffer.from(header.subarray(0, headerEnd));
  // Rewrite the meta header's transfer syntax in place: '1.2.840.10008.1.2.1\0' and '1.2.840.10008.1.2.5\0' are as long.
  prefix.write('1.2.840.10008.1.2.5\0', metaUidAt, 'latin1');
  const fragmentsByFrame = spec.frames.map((f) => {
    const encoded = rleEncodeFrame(samplesLE(f, spec.bitsAllocated as 8 | 16 | 32), spec.rows, spec.columns, spec.bitsAllocated / 8);
    const cut = 64; // after the RLE header: both parts of even length
    return [encoded.subarray(0, cut), encoded.subarray(cut)];
  });
  const offsets: number[] = [];
  const lengths: number[] = [];
  let at = 0;
  for (const parts of fragmentsByFrame) {
    offsets.push(at);
    const size = parts.reduce((n, p) => n + 8 + p.length, 0);
    lengths.push(parts.reduce((n, p) => n + p.length, 0));
    at += size;
  }
  const u32 = (values: number[]): Uint8Array => {
    const out = new Uint8Array(values.length * 4);
    values.forEach((v, i) => new DataView(out.buffer).setUint32(i * 4, v, true));
    return out;
  };
  const u64 = (values: number[]): Uint8Array => {
    const out = new Uint8Array(values.length * 8);
    values.forEach((v, i) => new DataView(out.buffer).setBigUint64(i * 8, BigInt(v), true));
    return out;
  };
  const parts: Uint8Array[] = [prefix];
  if (table === 'extended') {
    // The standard's VR is OV; dicom-parser 1.8 reads OV with a 2-byte length, so the header reader
    // would refuse the file: written as OB (same 4-byte length form, same bytes).
    parts.push(longElement(0x7fe0, 0x0001, 'OB', offsets.length * 8), u64(offsets));
    parts.push(longElement(0x7fe0, 0x0002, 'OB', lengths.length * 8), u64(lengths));
  }
  parts.push(longElement(0x7fe0, 0x0010, 'OB', 0xffffffff));
  parts.push(item(0xe000, table === 'basic' ? u32(offsets) : new Uint8Array(0)));
  for (const frameParts of fragmentsByFrame) for (const p of frameParts) parts.push(item(0xe000, p));
  parts.push(item(0xe0dd, new Uint8Array(0)));
  return Buffer.from(concat(parts));
}

/** Lossless codestreams made with the encoders of the codec packages the renderer decodes with. */
export type Codestream = 'jpeg2000' | 'htj2k' | 'jpeg-ls';

const CODESTREAMS: Record<Codestream, { module: string; encoder: string; syntax: string }> = {
  jpeg2000: { module: '@cornerstonejs/codec-openjpeg/wasmjs', encoder: 'J2KEncoder', syntax: '1.2.840.10008.1.2.4.90' },
  htj2k: { module: '@cornerstonejs/codec-openjph/wasmjs', encoder: 'HTJ2KEncoder', syntax: '1.2.840.10008.1.2.4.201' },
  'jpeg-ls': { module: '@cornerstonejs/codec-charls/wasmjs', encoder: 'JpegLSEncoder', syntax: '1.2.840.10008.1.2.4.80' },
};

interface WasmEncoder {
  getDecodedBuffer(info: { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean; isUsingColorTransform: boolean }): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  setDecompositions?(levels: number): void;
  setQuality?(lossless: boolean, quality: number): void;
}

const requireCodec = createRequire(import.meta.url);

/** Encodes one grey-scale frame losslessly. */
async function encodeFrame(kind: Codestream, values: readonly number[], spec: ImageFixtureSpec): Promise<Uint8Array> {
  const exported = requireCodec(CODESTREAMS[kind].module) as (options: object) => Promise<Record<string, new () => WasmEncoder>>;
  const codec = await exported({ print: () => undefined, printErr: () => undefined });
  const encoder = new codec[CODESTREAMS[kind].encoder]();
  const input = encoder.getDecodedBuffer({
    width: spec.columns,
    height: spec.rows,
    bitsPerSample: spec.bitsStored ?? spec.bitsAllocated,
    componentCount: 1,
    isSigned: spec.signed === true,
    isUsingColorTransform: false,
  });
  input.set(samplesLE(values, spec.bitsAllocated as 8 | 16 | 32));
  encoder.setDecompositions?.(1);
  encoder.setQuality?.(true, 0);
  encoder.encode();
  return encoder.getEncodedBuffer().slice();
}

/** A grey-scale file whose frames are JPEG 2000, HTJ2K or JPEG-LS lossless codestreams, one fragment each. */
export async function codestreamFixture(kind: Codestream, spec: ImageFixtureSpec): Promise<Buffer> {
  if ((spec.samplesPerPixel ?? 1) !== 1 || spec.bitsAllocated === 1) throw new Error('codestream fixtures are grey-scale, 8 or 16 bits');
  const frames: Uint8Array[] = [];
  for (const values of spec.frames) frames.push(await encodeFrame(kind, values, spec));
  return encodePart10(fixtureDataset(spec), CODESTREAMS[kind].syntax, { frames, vr: 'OB' });
}

const PARAMETRIC_MAP = '1.2.840.10008.5.1.4.1.1.30';

export interface FloatFixtureSpec {
  rows: number;
  columns: number;
  frames: number[][];
  /** 32: Float Pixel Data (7FE0,0008, OF); 64: Double Float Pixel Data (7FE0,0009, OD). */
  bits: 32 | 64;
  syntax?: 'explicit-le' | 'implicit-le' | 'explicit-be';
  /** Further attributes (window, rescale, or Bits Allocated to contradict the element) as dcmjs natural names. */
  extra?: NaturalDataset;
}

/** A real-valued image as a parametric map stores it: no Bits Stored, High Bit or Pixel Representation. */
export function floatImageFixture(spec: FloatFixtureSpec): Buffer {
  const syntax = spec.syntax ?? 'explicit-le';
  const bytesPerValue = spec.bits / 8;
  const values = spec.frames.flat();
  const bytes = new Uint8Array(values.length * bytesPerValue);
  const view = new DataView(bytes.buffer);
  const littleEndian = syntax !== 'explicit-be';
  values.forEach((v, i) => (spec.bits === 32 ? view.setFloat32(i * 4, v, littleEndian) : view.setFloat64(i * 8, v, littleEndian)));
  const dataset: NaturalDataset = {
    SOPClassUID: PARAMETRIC_MAP,
    SOPInstanceUID: newUid(),
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    Modality: 'MR',
    PatientName: 'Render^Float',
    PatientID: 'RENDER-F',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: spec.rows,
    Columns: spec.columns,
    BitsAllocated: spec.bits,
    ...(spec.frames.length > 1 ? { NumberOfFrames: spec.frames.length } : {}),
    [spec.bits === 32 ? 'FloatPixelData' : 'DoubleFloatPixelData']: [bytes.buffer],
    ...spec.extra,
  };
  return encodePart10(dataset, fixtureSyntaxUid[syntax]);
}
