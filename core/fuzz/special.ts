/**
 * Hand-made hostile files the byte mutations would almost never reach: decompression bombs
 * (deflated DICOM, a zlib stream in a PNG's IDAT, gzip around a NIfTI), sequences nested thousands
 * deep, huge declared sizes, a SEG with tens of thousands of segments. Bombs are built from a
 * compressed block of zeros repeated (full-flush deflate blocks concatenate), so a 3 MB file that
 * inflates to 3 GiB is written in milliseconds without ever holding 3 GiB.
 */
import { constants as zlibConstants, crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { encodePart10, newUid } from '../dicom/part10-writer';
import { DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE } from '../dicom/transfer-syntax';
import { rawPng, segFile } from '../masks/mask-fixtures';
import { dataSetStart } from './mutate';
import { elementSites } from './dicom-sites';

export interface SpecialFile {
  name: string;
  reader: 'dicom-index' | 'mask';
  bytes: Uint8Array;
  /** Takes seconds or a GiB within the caps (the largest valid inputs): only in long runs. */
  heavy?: boolean;
}

const MiB = 2 ** 20;
const ZERO_BLOCK = MiB;
/** 1 MiB of zeros as full-flushed deflate blocks: independent of what comes before, repeatable. */
const zeroBlock = (): Buffer => deflateRawSync(Buffer.alloc(ZERO_BLOCK), { finishFlush: zlibConstants.Z_FULL_FLUSH });

/** A raw deflate stream: `prefix`, then `zeroBytes` zeros, then `suffix` (final block). */
function deflateWithZeros(prefix: Uint8Array, zeroBytes: number, suffix: Uint8Array): Buffer {
  const block = zeroBlock();
  const parts: Buffer[] = [deflateRawSync(prefix, { finishFlush: zlibConstants.Z_FULL_FLUSH })];
  for (let i = 0; i < Math.floor(zeroBytes / ZERO_BLOCK); i++) parts.push(block);
  const rest = zeroBytes % ZERO_BLOCK;
  if (rest > 0) parts.push(deflateRawSync(Buffer.alloc(rest), { finishFlush: zlibConstants.Z_FULL_FLUSH }));
  parts.push(deflateRawSync(suffix));
  return Buffer.concat(parts);
}

const u16le = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u32le = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
const tagLE = (tag: number): Buffer => Buffer.concat([u16le(tag >>> 16), u16le(tag & 0xffff)]);

/** A small CT image (8 × 8, 16-bit) in a transfer syntax, as our writer writes it. */
function smallImage(transferSyntaxUid: string, extra: Record<string, unknown> = {}, pixels = new Uint8Array(128)): Buffer {
  const dataset = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    SOPInstanceUID: newUid(),
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    Modality: 'CT',
    PatientName: 'Fuzz^Special',
    PatientID: 'FUZZ',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: 8,
    Columns: 8,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    ...extra,
  };
  return encodePart10(dataset, transferSyntaxUid, { frames: [pixels], vr: 'OW' });
}

/** Splits an explicit-LE data set at its Pixel Data element: [before, pixel element and after]. */
function splitAtPixelData(body: Uint8Array): [Uint8Array, Uint8Array] {
  const pixel = elementSites(body, 0, body.length, { explicit: true, littleEndian: true }).find((s) => s.tag === 0x7fe00010);
  const at = pixel ? pixel.headerAt : body.length;
  return [body.subarray(0, at), body.subarray(at)];
}

/** Deflated DICOM bombs: zeros before the pixel data (in a private OB), as the pixel data, and a header that never ends. */
export function deflatedBombs(zeroMiB: number): SpecialFile[] {
  const file = smallImage(DEFLATED_LE);
  const metaEnd = dataSetStart(file);
  const body = inflateRawSync(file.subarray(metaEnd));
  const [before, pixel] = splitAtPixelData(body);
  const meta = file.subarray(0, metaEnd);
  const obHeader = (tag: number, length: number): Buffer => Buffer.concat([tagLE(tag), Buffer.from('OB\0\0', 'latin1'), u32le(length)]);
  const zeros = zeroMiB * MiB;
  return [
    { name: `deflate-bomb-private-ob-${zeroMiB}MiB.dcm`, reader: 'dicom-index', bytes: Buffer.concat([meta, deflateWithZeros(Buffer.concat([before, obHeader(0x7fd10010, zeros)]), zeros, pixel)]) },
    { name: `deflate-bomb-pixel-data-${zeroMiB}MiB.dcm`, reader: 'dicom-index', bytes: Buffer.concat([meta, deflateWithZeros(Buffer.concat([before, obHeader(0x7fe00010, zeros)]), zeros, new Uint8Array(0))]) },
    { name: `deflate-bomb-no-pixel-data-${zeroMiB}MiB.dcm`, reader: 'dicom-index', bytes: Buffer.concat([meta, deflateWithZeros(Buffer.concat([before, obHeader(0x7fd10010, 0xfffffffe)]), zeros, new Uint8Array(0))]) },
  ];
}

/** Sequences nested `depth` deep just before the pixel data, in one encoding. */
export function deepNesting(depth: number, transferSyntaxUid: string, undefinedLength: boolean): SpecialFile {
  const explicit = transferSyntaxUid !== IMPLICIT_LE;
  const bigEndian = transferSyntaxUid === EXPLICIT_BE;
  const deflated = transferSyntaxUid === DEFLATED_LE;
  const written = smallImage(transferSyntaxUid);
  const metaEnd = dataSetStart(written);
  // A deflated file is nested in its inflated data set, then deflated again.
  const file = deflated ? Buffer.concat([written.subarray(0, metaEnd), inflateRawSync(written.subarray(metaEnd))]) : written;
  const sites = elementSites(file, metaEnd, file.length, { explicit, littleEndian: !bigEndian });
  const pixel = sites.find((s) => s.tag === 0x7fe00010);
  const at = pixel ? pixel.headerAt : file.length;
  const w16 = (v: number): Buffer => { const b = Buffer.alloc(2); bigEndian ? b.writeUInt16BE(v) : b.writeUInt16LE(v); return b; };
  const w32 = (v: number): Buffer => { const b = Buffer.alloc(4); bigEndian ? b.writeUInt32BE(v >>> 0) : b.writeUInt32LE(v >>> 0); return b; };
  const tag = (t: number): Buffer => Buffer.concat([w16(t >>> 16), w16(t & 0xffff)]);
  const sequenceHeader = (length: number): Buffer =>
    explicit ? Buffer.concat([tag(0x00081115), Buffer.from('SQ\0\0', 'latin1'), w32(length)]) : Buffer.concat([tag(0x00081115), w32(length)]);
  const itemHeader = (length: number): Buffer => Buffer.concat([tag(0xfffee000), w32(length)]);
  const delimiter = (t: number): Buffer => Buffer.concat([tag(t), w32(0)]);
  let nested: Buffer;
  if (undefinedLength) {
    const open = Buffer.concat([sequenceHeader(0xffffffff), itemHeader(0xffffffff)]);
    const close = Buffer.concat([delimiter(0xfffee00d), delimiter(0xfffee0dd)]);
    nested = Buffer.concat([...new Array<Buffer>(depth).fill(open), ...new Array<Buffer>(depth).fill(close)]);
  } else {
    nested = Buffer.alloc(0);
    for (let i = 0; i < depth; i++) nested = Buffer.concat([sequenceHeader(nested.length + 8), itemHeader(nested.length), nested]);
  }
  const syntax = deflated ? 'deflated' : explicit ? (bigEndian ? 'explicit-be' : 'explicit-le') : 'implicit-le';
  const name = `nested-${depth}-${syntax}-${undefinedLength ? 'undefined' : 'defined'}.dcm`;
  const body = Buffer.concat([file.subarray(metaEnd, at), nested, file.subarray(at)]);
  return { name, reader: 'dicom-index', bytes: Buffer.concat([file.subarray(0, metaEnd), deflated ? deflateRawSync(body) : body]) };
}

/** A zlib stream (RFC 1950) of `n` zeros, with its true Adler-32. */
function zlibZeros(n: number): Buffer {
  const adler = (((n % 65521) << 16) | 1) >>> 0; // a stays 1 over zeros; b adds a once per byte
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(adler);
  return Buffer.concat([Buffer.from([0x78, 0x9c]), deflateWithZeros(new Uint8Array(0), n, new Uint8Array(0)), trailer]);
}

/** Replaces a raw PNG's IDAT data with `stream` (CRC fixed). */
function withIdat(png: Uint8Array, stream: Uint8Array): Buffer {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const idatAt = 8 + 12 + 13; // signature, IHDR
  const idatLength = view.getUint32(idatAt);
  const chunk = Buffer.alloc(12 + stream.length);
  chunk.writeUInt32BE(stream.length, 0);
  chunk.write('IDAT', 4, 'latin1');
  Buffer.from(stream).copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + stream.length)) >>> 0, 8 + stream.length);
  return Buffer.concat([png.subarray(0, idatAt), chunk, png.subarray(idatAt + 12 + idatLength)]);
}

/** A gzip member around a NIfTI-1 header that declares `shape` (uint8) followed by `zeroMiB` MiB of zeros. */
export function niftiGzBomb(shape: [number, number, number], zeroMiB: number): Buffer {
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, ...shape, 1, 1, 1, 1].forEach((d, i) => header.writeInt16LE(d, 40 + 2 * i));
  header.writeInt16LE(2, 70); // uint8
  header.writeInt16LE(8, 72);
  [1, 1, 1, 1].forEach((p, i) => header.writeFloatLE(p, 76 + 4 * i));
  header.writeFloatLE(352, 108);
  header.write('n+1\0', 344, 'latin1');
  let crc = crc32(header);
  const zeros = Buffer.alloc(MiB);
  for (let i = 0; i < zeroMiB; i++) crc = crc32(zeros, crc);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE((header.length + zeroMiB * MiB) >>> 0, 4);
  const gzipHeader = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  return Buffer.concat([gzipHeader, deflateWithZeros(header, zeroMiB * MiB, new Uint8Array(0)), trailer]);
}

/** A NIfTI-1 header alone (352 bytes) declaring `shape` voxels of uint8. */
function niftiHeaderOnly(shape: [number, number, number]): Buffer {
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, ...shape, 1, 1, 1, 1].forEach((d, i) => header.writeInt16LE(d, 40 + 2 * i));
  header.writeInt16LE(2, 70);
  header.writeInt16LE(8, 72);
  header.writeFloatLE(352, 108);
  header.write('n+1\0', 344, 'latin1');
  return header;
}

/** A BINARY SEG on one 64 × 64 frame whose SegmentSequence defines `count` segments. */
export function manySegments(count: number, rows = 64): SpecialFile {
  const segments = Array.from({ length: count }, (_, i) => ({ number: i + 1, label: `s${i + 1}` }));
  const frames = [{ segmentNumber: 1, zMm: 0, pixels: new Uint8Array(rows * rows).fill(1) }];
  return { name: `seg-${count}-segments-${rows}x${rows}.dcm`, reader: 'mask', bytes: segFile({ type: 'BINARY', rows, columns: rows, segments, frames }) };
}

/** A BINARY SEG with one frame per segment, every frame on its own slice: segments × slices of masks. */
export function segmentsOnOwnSlices(count: number, rows: number): SpecialFile {
  const segments = Array.from({ length: count }, (_, i) => ({ number: i + 1, label: `s${i + 1}` }));
  const frames = segments.map((s, i) => ({ segmentNumber: s.number, zMm: i, pixels: new Uint8Array(rows * rows).fill(i % 2) }));
  return { name: `seg-${count}-segments-own-slices-${rows}x${rows}.dcm`, reader: 'mask', bytes: segFile({ type: 'BINARY', rows, columns: rows, segments, frames }) };
}

/**
 * A SEG's data set deflated (transfer syntax rewritten in the meta header), with `zeroMiB` MiB of
 * zeros in a private OB before its pixel data, or (`afterPixelData`) after it.
 */
export function deflatedSegBomb(zeroMiB: number, afterPixelData = false): SpecialFile {
  const seg = Buffer.from(segFile({ type: 'BINARY', rows: 8, columns: 8, segments: [{ number: 1, label: 'a' }], frames: [{ segmentNumber: 1, zMm: 0, pixels: new Uint8Array(64).fill(1) }] }));
  const metaEnd = dataSetStart(seg);
  const meta = withTransferSyntax(seg.subarray(0, metaEnd), DEFLATED_LE);
  const [before, pixel] = splitAtPixelData(seg.subarray(metaEnd));
  if (afterPixelData) {
    const trailing = Buffer.concat([tagLE(0x7fe10010), Buffer.from('OB\0\0', 'latin1'), u32le(zeroMiB * MiB)]);
    return { name: `seg-deflate-bomb-after-pixels-${zeroMiB}MiB.dcm`, reader: 'mask', bytes: Buffer.concat([meta, deflateWithZeros(Buffer.concat([before, pixel, trailing]), zeroMiB * MiB, new Uint8Array(0))]) };
  }
  const obHeader = Buffer.concat([tagLE(0x7fd10010), Buffer.from('OB\0\0', 'latin1'), u32le(zeroMiB * MiB)]);
  return { name: `seg-deflate-bomb-${zeroMiB}MiB.dcm`, reader: 'mask', bytes: Buffer.concat([meta, deflateWithZeros(Buffer.concat([before, obHeader]), zeroMiB * MiB, pixel)]) };
}

/** A Part 10 meta header (preamble to the end of group 0002, explicit LE) with its Transfer Syntax UID replaced. */
function withTransferSyntax(meta: Uint8Array, uid: string): Buffer {
  const sites = elementSites(meta, 132, meta.length, { explicit: true, littleEndian: true });
  const ts = sites.find((s) => s.tag === 0x00020010);
  const group = sites.find((s) => s.tag === 0x00020000);
  if (!ts || !group) throw new Error('fuzz fixture: meta header without (0002,0010) or (0002,0000)');
  const value = Buffer.from(uid.length % 2 ? `${uid}\0` : uid, 'latin1');
  const head = Buffer.from(meta.subarray(0, ts.valueAt));
  head.writeUInt16LE(value.length, ts.lengthAt);
  const out = Buffer.concat([head, value, meta.subarray(ts.valueAt + ts.length)]);
  out.writeUInt32LE(out.length - (group.valueAt + 4), group.valueAt);
  return out;
}

/**
 * Every special file. `heavy`: include the largest inputs within the caps (a 16384² PNG, a 512³
 * NIfTI): seconds and about a GiB each.
 */
export function specialFiles(heavy: boolean): SpecialFile[] {
  const files: SpecialFile[] = [];
  files.push(...deflatedBombs(3072), ...deflatedBombs(64));
  for (const depth of [65, 3000, 20_000]) {
    files.push(deepNesting(depth, EXPLICIT_LE, true), deepNesting(depth, IMPLICIT_LE, true), deepNesting(depth, EXPLICIT_BE, true), deepNesting(depth, DEFLATED_LE, true));
    if (depth <= 3000) files.push(deepNesting(depth, EXPLICIT_LE, false), deepNesting(depth, IMPLICIT_LE, false));
  }
  files.push(
    { name: 'huge-declared-frames.dcm', reader: 'dicom-index', bytes: smallImage(EXPLICIT_LE, { Rows: 65535, Columns: 65535, NumberOfFrames: '2147483647' }) },
    { name: 'many-elements.dcm', reader: 'dicom-index', bytes: manyElements(200_000) },
  );
  files.push(
    { name: 'png-1x2147483647.png', reader: 'mask', bytes: rawPng({ width: 1, height: 2 ** 31 - 1, filteredRows: new Uint8Array(2) }) },
    { name: 'png-32768x32768.png', reader: 'mask', bytes: rawPng({ width: 32768, height: 32768, filteredRows: new Uint8Array(32769) }) },
    { name: 'png-64x64-idat-bomb-1GiB.png', reader: 'mask', bytes: withIdat(rawPng({ width: 64, height: 64, filteredRows: new Uint8Array(65 * 64) }), zlibZeros(1024 * MiB)) },
    { name: 'png-4096x4096-idat-bomb-1GiB.png', reader: 'mask', bytes: withIdat(rawPng({ width: 4096, height: 4096, filteredRows: new Uint8Array(1) }), zlibZeros(1024 * MiB)) },
    { name: 'nifti-gz-64cubed-bomb-1GiB.nii.gz', reader: 'mask', bytes: niftiGzBomb([64, 64, 64], 1024) },
    { name: 'nifti-gz-1290cubed-declared.nii.gz', reader: 'mask', bytes: niftiGzBomb([1290, 1290, 1290], 3) },
    { name: 'nifti-1290cubed-header-only.nii', reader: 'mask', bytes: niftiHeaderOnly([1290, 1290, 1290]) },
    { name: 'nifti-32767x32767x32767-header-only.nii', reader: 'mask', bytes: niftiHeaderOnly([32767, 32767, 32767]) },
    manySegments(20_000),
    manySegments(65_535, 16),
    segmentsOnOwnSlices(2000, 64),
    deflatedSegBomb(3072),
    deflatedSegBomb(3072, true),
    deflatedSegBomb(16),
  );
  if (heavy) {
    files.push(
      { name: 'png-16384x16384-zeros.png', reader: 'mask', bytes: withIdat(rawPng({ width: 16384, height: 16384, filteredRows: new Uint8Array(1) }), zlibZeros(16384 * 16385)), heavy: true },
      { name: 'png-16384x16384-16bit-zeros.png', reader: 'mask', bytes: withIdat(rawPng({ width: 16384, height: 16384, bitDepth: 16, filteredRows: new Uint8Array(1) }), zlibZeros(16384 * (1 + 2 * 16384))), heavy: true },
      { name: 'nifti-gz-512cubed.nii.gz', reader: 'mask', bytes: niftiGzBomb([512, 512, 512], 128), heavy: true },
      manySegments(300, 512),
    );
  }
  return files;
}

/** A small image whose header holds `count` extra private elements (a header of several MB). */
function manyElements(count: number): Buffer {
  const file = smallImage(EXPLICIT_LE);
  const metaEnd = dataSetStart(file);
  const [before, pixel] = splitAtPixelData(file.subarray(metaEnd));
  const element = Buffer.concat([tagLE(0x7fd11000), Buffer.from('LO', 'latin1'), u16le(2), Buffer.from('ab', 'latin1')]);
  return Buffer.concat([file.subarray(0, metaEnd), before, Buffer.concat(new Array<Buffer>(count).fill(element)), pixel]);
}
