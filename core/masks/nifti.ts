import type { FileHandle } from 'node:fs/promises';
import { gunzip, gunzipSync, constants as zlibConstants } from 'node:zlib';
import { inflateErrorWords } from '../compress/zlib-words';
import * as nifti from 'nifti-reader-js';
import type { LabelArray, LabelVolume } from '../metrics/types';
import { labelArrayFor } from './label-array';
import { MaskReadError } from './mask-error';
import { formatBytes } from '../fs/size-text';
import { openRegularFile, readFully } from './open-regular-file';

export const isGzipBytes = (bytes: Uint8Array): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b;

/** NIfTI-1 (sizeof_hdr 348) or NIfTI-2 (540), in either byte order, checked on uncompressed bytes. */
export function isNiftiBytes(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  const sizeLe = view.getInt32(0, true);
  const sizeBe = view.getInt32(0, false);
  return sizeLe === 348 || sizeBe === 348 || sizeLe === 540 || sizeBe === 540;
}

type NumericArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;
type NumericArrayConstructor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => NumericArray;

interface SampleType {
  bytesPerVoxel: number;
  /** Typed-array view for the type; null for 64-bit integers, which are read one by one as BigInt. */
  array: NumericArrayConstructor | null;
  readBig?: (view: DataView, byteOffset: number, littleEndian: boolean) => number;
}

// NIfTI datatype codes we accept for label maps; floats are allowed but must hold whole numbers.
const sampleTypes: Record<number, SampleType> = {
  2: { bytesPerVoxel: 1, array: Uint8Array }, // uint8
  256: { bytesPerVoxel: 1, array: Int8Array }, // int8
  4: { bytesPerVoxel: 2, array: Int16Array }, // int16
  512: { bytesPerVoxel: 2, array: Uint16Array }, // uint16
  8: { bytesPerVoxel: 4, array: Int32Array }, // int32
  768: { bytesPerVoxel: 4, array: Uint32Array }, // uint32
  16: { bytesPerVoxel: 4, array: Float32Array }, // float32
  64: { bytesPerVoxel: 8, array: Float64Array }, // float64
  1024: { bytesPerVoxel: 8, array: null, readBig: (v, o, le) => Number(v.getBigInt64(o, le)) }, // int64
  1280: { bytesPerVoxel: 8, array: null, readBig: (v, o, le) => Number(v.getBigUint64(o, le)) }, // uint64
};

const platformIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const datatypeNames: Record<number, string> = { 1: 'binary', 32: 'complex64', 128: 'rgb24', 1536: 'float128', 1792: 'complex128', 2048: 'complex256', 2304: 'rgba32' };

/** Millimetres per unit of the header's spatial unit code (xyzt_units & 7); unknown → mm. */
function mmPerSpatialUnit(xyztUnits: number): number {
  switch (xyztUnits & 0x07) {
    case 1:
      return 1000; // metre
    case 3:
      return 0.001; // micron
    default:
      return 1;
  }
}

/** What the header says about the voxels: where they are, how they are stored, and the volume's grid. */
interface NiftiLayout {
  shape: readonly [number, number, number];
  spacingMm: readonly [number, number, number];
  voxelCount: number;
  voxOffset: number;
  /** voxelCount × bytes per voxel. */
  dataBytes: number;
  sampleType: SampleType;
  littleEndian: boolean;
  /** scl_slope / scl_inter, when they change the values. */
  scale: { slope: number; intercept: number } | null;
}

/** Default cap on one volume's stored voxel bytes (and on a .nii.gz's decompressed size). */
export const DEFAULT_MAX_VOLUME_BYTES = 2 * 1024 ** 3;

export interface NiftiReadOptions {
  /** Largest volume accepted, in bytes; checked against the header before allocating. */
  maxVolumeBytes?: number;
}

/** A number read from a header as a person reads it: a float field may hold NaN or ±Infinity, which JavaScript would print as such. */
const headerNumber = (value: number): string => (Number.isNaN(value) ? '(not a number)' : Number.isFinite(value) ? String(value) : `(${value > 0 ? '+' : '-'}infinite)`);


/** Header bytes kept for parsing: the header and its extensions. */
const HEADER_BYTES = 1 << 16;

/** Parses the header from the first bytes of the uncompressed file; `byteLength` is the whole file's. */
function readLayout(head: Uint8Array, byteLength: number, source: string, maxVolumeBytes: number): NiftiLayout {
  if (!isNiftiBytes(head)) throw new MaskReadError(source, 'not a NIfTI file (header size is neither 348 nor 540)');
  const buffer = head.buffer.slice(head.byteOffset, head.byteOffset + Math.min(head.byteLength, HEADER_BYTES)) as ArrayBuffer;
  let header: nifti.NIFTI1 | nifti.NIFTI2;
  try {
    header = nifti.readHeader(buffer);
  } catch (e) {
    throw new MaskReadError(source, `unreadable NIfTI header (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!header) throw new MaskReadError(source, 'unreadable NIfTI header');

  const sampleType = sampleTypes[header.datatypeCode];
  if (!sampleType) {
    const name = datatypeNames[header.datatypeCode] ?? `code ${header.datatypeCode}`;
    throw new MaskReadError(source, `unsupported NIfTI datatype ${name} for a label map (need an integer or integral float type)`);
  }

  // NIfTI-2 stores dims and vox_offset as int64; read them exactly (the library's reading turns -1 into -18446744073709552000).
  const nifti2 = header instanceof nifti.NIFTI2;
  const headView = new DataView(buffer);
  const int64At = (offset: number): number => Number(headView.getBigInt64(offset, header.littleEndian));
  const dims = nifti2 && buffer.byteLength >= 540 ? Array.from({ length: 8 }, (_, i) => int64At(16 + 8 * i)) : header.dims;
  const rank = dims[0];
  if (!(rank >= 1 && rank <= 7)) throw new MaskReadError(source, `invalid NIfTI dimension count ${rank}`);
  const dimAt = (i: number): number => (i <= rank ? dims[i] : 1);
  for (let i = 4; i <= rank; i++) {
    if (dimAt(i) > 1) throw new MaskReadError(source, `NIfTI has ${rank} dimensions (dim[${i}] = ${dimAt(i)}); a label map must be 3-D`);
  }
  const shape = [dimAt(1), dimAt(2), dimAt(3)] as const;
  if (shape.some((n) => !Number.isInteger(n) || n < 1)) throw new MaskReadError(source, `invalid NIfTI dimensions ${shape.join('×')}`);

  const voxelCount = shape[0] * shape[1] * shape[2];
  const dataBytes = voxelCount * sampleType.bytesPerVoxel;
  // Checked before anything is allocated: a header may claim any size.
  if (dataBytes > maxVolumeBytes) {
    throw new MaskReadError(
      source,
      `NIfTI volume of ${shape.join('×')} voxels (${dataBytes} bytes) is over the ${formatBytes(maxVolumeBytes)} limit per volume`,
    );
  }
  // A single-file NIfTI keeps its voxels after the header and the 4-byte extension flag; any earlier
  // offset would read header bytes as labels.
  const minOffset = (nifti2 ? 540 : 348) + 4;
  const voxOffset = nifti2 && buffer.byteLength >= 176 ? int64At(168) : header.vox_offset;
  if (!Number.isInteger(voxOffset) || voxOffset < minOffset) {
    throw new MaskReadError(source, `impossible NIfTI vox_offset ${headerNumber(voxOffset)} (header byte ${nifti2 ? 168 : 108}): voxels start at byte ${minOffset} or later, after the header`);
  }
  if (voxOffset > byteLength) {
    throw new MaskReadError(source, `impossible NIfTI vox_offset ${voxOffset}: past the end of the ${byteLength}-byte file`);
  }
  if (voxOffset + dataBytes > byteLength) {
    throw new MaskReadError(
      source,
      `truncated NIfTI: ${shape.join('×')} voxels need ${dataBytes} bytes at offset ${voxOffset}, file has ${byteLength - voxOffset} bytes there`,
    );
  }

  const slope = header.scl_slope;
  const intercept = Number.isFinite(header.scl_inter) ? header.scl_inter : 0;
  const scaled = Number.isFinite(slope) && slope !== 0 && !(slope === 1 && intercept === 0);

  const mmPerUnit = mmPerSpatialUnit(header.xyzt_units);
  const spacingAt = (i: number): number => {
    const size = Math.abs(header.pixDims[i] ?? 0);
    return i <= rank && Number.isFinite(size) && size > 0 ? size * mmPerUnit : 1;
  };
  return {
    shape,
    spacingMm: [spacingAt(1), spacingAt(2), spacingAt(3)],
    voxelCount,
    voxOffset,
    dataBytes,
    sampleType,
    littleEndian: header.littleEndian,
    scale: scaled ? { slope, intercept } : null,
  };
}

/** The stored bytes as every byte-per-voxel label map is already laid out: no conversion needed at all. */
const isPlainBytes = (layout: NiftiLayout): boolean => layout.sampleType.array === Uint8Array && layout.scale === null;

/** Does `labels`' type hold every value in [lo, hi]? */
function holds(labels: LabelArray, lo: number, hi: number): boolean {
  if (labels instanceof Uint8Array) return lo >= 0 && hi <= 0xff;
  if (labels instanceof Uint16Array) return lo >= 0 && hi <= 0xffff;
  if (labels instanceof Uint32Array) return lo >= 0 && hi <= 0xffffffff;
  if (labels instanceof Int8Array) return lo >= -0x80 && hi <= 0x7f;
  if (labels instanceof Int16Array) return lo >= -0x8000 && hi <= 0x7fff;
  return lo >= -0x80000000 && hi <= 0x7fffffff;
}

/**
 * Builds the label array chunk by chunk in the narrowest type that holds every value (the type
 * labelArrayFor gives for the whole range, as if it had been measured first). A label map that fits
 * 8 bits is never held at its stored width: a 512×512×500 int16 map stays 131 MB, not 262.
 */
class LabelArrayBuilder {
  private labels: LabelArray;
  /** Float64 values of one chunk, for the scaled, float and 64-bit paths. */
  private scratch: Float64Array | null = null;

  constructor(
    private readonly layout: NiftiLayout,
    private readonly source: string,
  ) {
    this.labels = labelArrayFor(0, 0, layout.voxelCount) as LabelArray;
  }

  /** Adds the stored bytes of voxels [at, at + count), aligned to the sample width; swaps them in place if needed. */
  addBytes(bytes: Uint8Array, at: number): void {
    const { sampleType, littleEndian } = this.layout;
    const count = bytes.byteLength / sampleType.bytesPerVoxel;
    if (littleEndian !== platformIsLittleEndian && sampleType.bytesPerVoxel > 1) swapBytes(bytes, sampleType.bytesPerVoxel);
    if (!sampleType.array) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const values = this.scratchFor(count);
      for (let i = 0; i < count; i++) values[i] = sampleType.readBig!(view, i * sampleType.bytesPerVoxel, platformIsLittleEndian);
      this.addValues(values, at);
      return;
    }
    const samples = new sampleType.array(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
    if (this.layout.scale || samples instanceof Float32Array || samples instanceof Float64Array) {
      const values = this.scratchFor(count);
      values.set(samples);
      this.addValues(values, at);
      return;
    }
    // The common case, checked without a per-value min/max: every value of the chunk is 0..255.
    if (this.labels instanceof Uint8Array && allBytes(bytes, sampleType.bytesPerVoxel)) this.labels.set(samples, at);
    else this.store(samples, at, ...rangeOf(samples));
  }

  /** Scales (when the header says so) and checks that every value is a whole number. */
  private addValues(values: Float64Array, at: number): void {
    const scale = this.layout.scale;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const value = scale ? values[i] * scale.slope + scale.intercept : values[i];
      if (!Number.isInteger(value)) {
        const where = scale ? ` after scl_slope ${scale.slope} / scl_inter ${scale.intercept}` : '';
        throw new MaskReadError(this.source, `non-integer label ${value}${where} at voxel ${at + i}; a label map must hold whole numbers`);
      }
      values[i] = value;
      if (value < min) min = value;
      if (value > max) max = value;
    }
    this.store(values, at, min, max);
  }

  /** Stores values whose range is [min, max], widening the array first when its type cannot hold them. */
  private store(values: NumericArray, at: number, min: number, max: number): void {
    if (!holds(this.labels, min, max)) {
      // Rare (at most once per wider type): the exact range so far picks the type.
      const [soFarMin, soFarMax] = rangeOf(this.labels.subarray(0, at));
      const lo = Math.min(min, soFarMin, 0);
      const hi = Math.max(max, soFarMax, 0);
      const wider = labelArrayFor(lo, hi, this.layout.voxelCount);
      if (!wider) throw new MaskReadError(this.source, `label values ${lo}..${hi} do not fit in 32 bits`);
      wider.set(this.labels.subarray(0, at)); // every value so far fits the wider type
      this.labels = wider;
    }
    this.labels.set(values, at); // a native copy; every value fits
  }

  private scratchFor(count: number): Float64Array {
    if (!this.scratch || this.scratch.length < count) this.scratch = new Float64Array(count);
    return this.scratch.subarray(0, count);
  }

  finish(): LabelArray {
    return this.labels;
  }
}

function rangeOf(values: ArrayLike<number>): [number, number] {
  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  return [min, max];
}

/** Bits that are clear in every sample 0..255, per 32-bit word, for each integer sample width. */
const highBitsByWidth: Record<number, number> = { 1: 0x80808080 | 0, 2: 0xff00ff00 | 0, 4: 0xffffff00 | 0 };

/**
 * Whether every integer sample in `bytes` (native order) is 0..255, by OR-ing 32-bit words: the
 * high bits of a sample are all clear exactly then (for int8, the sign bit: 0..127). Much cheaper
 * than a min/max per value.
 */
function allBytes(bytes: Uint8Array, width: number): boolean {
  const highBits = highBitsByWidth[width];
  if (highBits === undefined || bytes.byteOffset % 4 !== 0) return false;
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let a = 0;
  let b = 0;
  let i = 0;
  for (const last = words.length - 8; i <= last; i += 8) {
    a |= words[i] | words[i + 1] | words[i + 2] | words[i + 3];
    b |= words[i + 4] | words[i + 5] | words[i + 6] | words[i + 7];
  }
  for (; i < words.length; i++) a |= words[i];
  // The bytes after the last whole word (a sample or two), checked as words padded with zeros.
  let tail = 0;
  for (let k = words.length * 4; k < bytes.byteLength; k++) tail |= bytes[k] << (8 * (k % 4));
  return ((a | b | tail) & highBits) === 0;
}

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.byteLength; i += width) bytes.subarray(i, i + width).reverse();
}

/** Voxels converted per chunk: bounds the Float64 scratch and keeps the stored bytes in cache. */
const CHUNK_VOXELS = 1 << 20;

function volumeOf(layout: NiftiLayout, data: LabelArray, source: string): LabelVolume {
  return { data, shape: layout.shape, spacingMm: layout.spacingMm, source };
}

/**
 * Converts uncompressed NIfTI bytes. `owned`: the bytes are ours alone (read or gunzipped here), so
 * byte label maps are handed out as a view of them instead of a copy.
 */
function decodeUncompressed(bytes: Uint8Array, source: string, owned: boolean, maxVolumeBytes: number): LabelVolume {
  const layout = readLayout(bytes.subarray(0, HEADER_BYTES), bytes.byteLength, source, maxVolumeBytes);
  const { voxOffset, voxelCount, sampleType } = layout;
  if (isPlainBytes(layout)) {
    // A plain Uint8Array (not a Buffer, whose slice() is a view) over the same memory.
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset + voxOffset, voxelCount);
    return volumeOf(layout, owned ? data : data.slice(), source);
  }
  const builder = new LabelArrayBuilder(layout, source);
  const width = sampleType.bytesPerVoxel;
  // Bytes that are ours and aligned are converted where they lie; others are copied chunk by chunk to
  // an aligned buffer first (they may sit at any offset, and are byte-swapped in place when the
  // file's order differs from the machine's).
  const inPlace = owned && (bytes.byteOffset + voxOffset) % width === 0;
  const chunk = inPlace ? null : new Uint8Array(Math.min(voxelCount, CHUNK_VOXELS) * width);
  for (let at = 0; at < voxelCount; at += CHUNK_VOXELS) {
    const count = Math.min(CHUNK_VOXELS, voxelCount - at);
    const stored = bytes.subarray(voxOffset + at * width, voxOffset + (at + count) * width);
    const part = chunk ? chunk.subarray(0, count * width) : stored;
    if (chunk) part.set(stored);
    builder.addBytes(part, at);
  }
  return volumeOf(layout, builder.finish(), source);
}

/**
 * Decodes a .nii or .nii.gz label map. NIfTI stores voxels x-fastest, the same order as LabelVolume,
 * so voxels are copied in file order. scl_slope/scl_inter are applied when set, but only if every
 * scaled value stays a whole number (a label map cannot hold 2.5).
 */
export function decodeNiftiLabels(fileBytes: Uint8Array, source: string, options: NiftiReadOptions = {}): LabelVolume {
  const maxVolumeBytes = options.maxVolumeBytes ?? DEFAULT_MAX_VOLUME_BYTES;
  if (!isGzipBytes(fileBytes)) return decodeUncompressed(fileBytes, source, false, maxVolumeBytes);
  let bytes: Uint8Array;
  const declared = declaredInflatedBytes(fileBytes, source, maxVolumeBytes);
  try {
    bytes = gunzipSync(fileBytes, gunzipOptions(fileBytes, declared));
  } catch (e) {
    throw gunzipError(e, source, maxVolumeBytes, declared);
  }
  return decodeUncompressed(bytes, source, true, maxVolumeBytes);
}

/** Most bytes a .nii.gz may inflate to: the volume cap plus room for the header and its extensions. */
const maxInflatedBytes = (maxVolumeBytes: number): number => maxVolumeBytes + HEADER_BYTES;

/** Bytes a .nii.gz may inflate to past what its header declares (vox_offset + voxels): room for trailing padding. */
const DECLARED_SLACK_BYTES = 1 << 20;

/**
 * Most bytes this .nii.gz may inflate to: what its header (inflated from the first bytes of the
 * stream) declares, vox_offset + voxels, plus a little slack. A 1 MB file whose header says 64³
 * but whose stream goes on for a GiB is refused after ~256 KiB, not after a GiB. Throws the
 * header's own refusal (bad dims, over the volume cap) straight away.
 */
function declaredInflatedBytes(gz: Uint8Array, source: string, maxVolumeBytes: number): number {
  let head: Buffer = Buffer.alloc(0);
  // Deflate inflates at most ~1032:1, so the first k bytes give at most k × 1032 bytes.
  for (let k = 1024; head.length < 540 && k < 4 * gz.byteLength; k *= 4) {
    try {
      head = gunzipSync(gz.subarray(0, k), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: k * MAX_DEFLATE_RATIO + HEADER_BYTES });
    } catch (e) {
      throw gunzipError(e, source, maxVolumeBytes);
    }
  }
  if (head.length < 348) return maxInflatedBytes(maxVolumeBytes); // not even a header: decodeUncompressed names it
  // The file's inflated length is not known yet: the layout's own size checks come after inflation.
  const layout = readLayout(head.subarray(0, HEADER_BYTES), Number.MAX_SAFE_INTEGER, source, maxVolumeBytes);
  return Math.min(maxInflatedBytes(maxVolumeBytes), layout.voxOffset + layout.dataBytes + DECLARED_SLACK_BYTES);
}

/** zlib stops at maxOutputLength while inflating (a bomb is never allocated whole) and says so with ERR_BUFFER_TOO_LARGE. */
function gunzipError(e: unknown, source: string, maxVolumeBytes: number, declaredBytes?: number): MaskReadError {
  if ((e as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE') {
    if (declaredBytes !== undefined && declaredBytes < maxInflatedBytes(maxVolumeBytes)) {
      return new MaskReadError(source, `gzip stream inflates past ${declaredBytes} bytes, more than its header declares (vox_offset + voxels, plus ${formatBytes(DECLARED_SLACK_BYTES)}); refused`);
    }
    return new MaskReadError(source, `gzip stream inflates past ${maxInflatedBytes(maxVolumeBytes)} bytes (the ${formatBytes(maxVolumeBytes)} limit per volume plus header); refused`);
  }
  return new MaskReadError(source, `corrupt gzip stream (${inflateErrorWords(e)})`);
}

/** Largest output gunzip is asked to produce in one buffer. */
const MAX_ONE_BUFFER_BYTES = 2 ** 31;
/** Deflate never expands more than ~1032:1, so a trailer claiming more is not believed. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * The gzip trailer stores the uncompressed size (mod 2^32): one output buffer of that size + 1
 * means zlib never grows and concatenates chunks (a 131 MB map would otherwise be copied once more).
 * A wrong size (several members, > 4 GiB) only costs that copy again.
 */
function gunzipOptions(gz: Uint8Array, maxOutputLength: number): { chunkSize?: number; maxOutputLength: number } {
  if (gz.byteLength < 18) return { maxOutputLength };
  const size = new DataView(gz.buffer, gz.byteOffset + gz.byteLength - 4, 4).getUint32(0, true);
  const believable = size >= 348 && size < MAX_ONE_BUFFER_BYTES && size <= maxOutputLength && size <= gz.byteLength * MAX_DEFLATE_RATIO;
  return believable ? { chunkSize: size + 1, maxOutputLength } : { maxOutputLength };
}

const gunzipAsync = (gz: Uint8Array, maxOutputLength: number): Promise<Buffer> =>
  new Promise((resolve, reject) => gunzip(gz, gunzipOptions(gz, maxOutputLength), (e, out) => (e ? reject(e) : resolve(out))));

/** Stored bytes read per chunk from an uncompressed file that needs converting. */
const READ_CHUNK_BYTES = 4 << 20;

/**
 * Reads a .nii / .nii.gz file straight into its label array: a byte label map is read in one go into
 * the array it is returned in, other types chunk by chunk through one reused buffer, so the stored
 * volume is never held whole next to its labels. Resolves to null when the file is not NIfTI by its
 * first bytes (neither gzip nor a NIfTI header), so the caller can try other formats. File-system
 * errors are thrown as they are (the caller names them); content errors as MaskReadError.
 */
export async function readNiftiLabelsFile(filePath: string, source: string = filePath, options: NiftiReadOptions = {}): Promise<LabelVolume | null> {
  const { handle, size } = await openRegularFile(filePath, source);
  try {
    return await readNiftiLabelsFromHandle(handle, size, source, options);
  } finally {
    await handle.close();
  }
}

/** readNiftiLabelsFile on an open regular file of `size` bytes (fstat'ed by the caller); the caller closes it. */
export async function readNiftiLabelsFromHandle(handle: FileHandle, size: number, source: string, options: NiftiReadOptions = {}): Promise<LabelVolume | null> {
  const maxVolumeBytes = options.maxVolumeBytes ?? DEFAULT_MAX_VOLUME_BYTES;
  const head = new Uint8Array(Math.min(size, HEADER_BYTES));
  const headLength = await readFully(handle, head, 0);
  if (isGzipBytes(head)) {
    // Deflate never shrinks data below ~1/1032, but it may grow it a little: a .nii.gz bigger than
    // the inflate cap cannot hold a volume within it.
    if (size > maxInflatedBytes(maxVolumeBytes)) {
      throw new MaskReadError(source, `.nii.gz of ${size} bytes is over the ${formatBytes(maxVolumeBytes)} limit per volume`);
    }
    const gz = new Uint8Array(size);
    gz.set(head.subarray(0, headLength));
    const gzLength = headLength + (size > headLength ? await readFully(handle, gz.subarray(headLength), headLength) : 0);
    let bytes: Uint8Array;
    const declared = declaredInflatedBytes(gz.subarray(0, gzLength), source, maxVolumeBytes);
    try {
      bytes = await gunzipAsync(gz.subarray(0, gzLength), declared);
    } catch (e) {
      throw gunzipError(e, source, maxVolumeBytes, declared);
    }
    return decodeUncompressed(bytes, source, true, maxVolumeBytes);
  }
  if (!isNiftiBytes(head.subarray(0, headLength))) return null;
  const layout = readLayout(head.subarray(0, headLength), size, source, maxVolumeBytes);
  const { voxOffset, voxelCount, dataBytes, sampleType } = layout;
  const truncated = (got: number): MaskReadError =>
    new MaskReadError(source, `truncated NIfTI: ${layout.shape.join('×')} voxels need ${dataBytes} bytes at offset ${voxOffset}, file has ${got} (it shrank while being read)`);
  if (isPlainBytes(layout)) {
    const data = new Uint8Array(voxelCount);
    const got = await readFully(handle, data, voxOffset);
    if (got < dataBytes) throw truncated(got);
    return volumeOf(layout, data, source);
  }
  const builder = new LabelArrayBuilder(layout, source);
  const width = sampleType.bytesPerVoxel;
  const chunk = new Uint8Array(Math.min(dataBytes, Math.max(width, READ_CHUNK_BYTES - (READ_CHUNK_BYTES % width))));
  for (let done = 0; done < dataBytes; ) {
    const part = chunk.subarray(0, Math.min(chunk.byteLength, dataBytes - done));
    const got = await readFully(handle, part, voxOffset + done);
    if (got < part.byteLength) throw truncated(done + got);
    builder.addBytes(part, done / width);
    done += part.byteLength;
  }
  return volumeOf(layout, builder.finish(), source);
}
