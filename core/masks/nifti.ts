import { gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import type { LabelVolume } from '../metrics/types';
import { labelArrayFor } from './label-array';
import { MaskReadError } from './mask-error';

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

/** The voxel samples as numbers, viewed in place when byte order and alignment allow, else copied. */
function readSamples(fileBytes: Uint8Array, voxOffset: number, voxelCount: number, type: SampleType, littleEndian: boolean): ArrayLike<number> {
  const byteLength = voxelCount * type.bytesPerVoxel;
  if (!type.array) {
    const view = new DataView(fileBytes.buffer, fileBytes.byteOffset + voxOffset, byteLength);
    const values = new Float64Array(voxelCount);
    for (let i = 0; i < voxelCount; i++) values[i] = type.readBig!(view, i * type.bytesPerVoxel, littleEndian);
    return values;
  }
  const start = fileBytes.byteOffset + voxOffset;
  if (littleEndian === platformIsLittleEndian && start % type.bytesPerVoxel === 0) return new type.array(fileBytes.buffer as ArrayBuffer, start, voxelCount);
  // Copy to an aligned buffer, swapping bytes when the file's order differs from the machine's.
  const copy = fileBytes.slice(voxOffset, voxOffset + byteLength);
  if (littleEndian !== platformIsLittleEndian && type.bytesPerVoxel > 1) {
    const width = type.bytesPerVoxel;
    for (let i = 0; i < byteLength; i += width) copy.subarray(i, i + width).reverse();
  }
  return new type.array(copy.buffer, 0, voxelCount);
}

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

/**
 * Decodes a .nii or .nii.gz label map. NIfTI stores voxels x-fastest, the same order as LabelVolume,
 * so voxels are copied in file order. scl_slope/scl_inter are applied when set, but only if every
 * scaled value stays a whole number (a label map cannot hold 2.5).
 */
export function decodeNiftiLabels(fileBytes: Uint8Array, source: string): LabelVolume {
  let bytes = fileBytes;
  if (isGzipBytes(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new MaskReadError(source, `corrupt gzip stream (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (!isNiftiBytes(bytes)) throw new MaskReadError(source, 'not a NIfTI file (header size is neither 348 nor 540)');
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + Math.min(bytes.byteLength, 1 << 16)) as ArrayBuffer; // the header and extensions
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

  const rank = header.dims[0];
  if (!(rank >= 1 && rank <= 7)) throw new MaskReadError(source, `invalid NIfTI dimension count ${rank}`);
  const dimAt = (i: number): number => (i <= rank ? header.dims[i] : 1);
  for (let i = 4; i <= rank; i++) {
    if (dimAt(i) > 1) throw new MaskReadError(source, `NIfTI has ${rank} dimensions (dim[${i}] = ${dimAt(i)}); a label map must be 3-D`);
  }
  const shape = [dimAt(1), dimAt(2), dimAt(3)] as const;
  if (shape.some((n) => !Number.isInteger(n) || n < 1)) throw new MaskReadError(source, `invalid NIfTI dimensions ${shape.join('×')}`);

  const voxelCount = shape[0] * shape[1] * shape[2];
  const voxOffset = Math.max(header.vox_offset, 0);
  const needBytes = voxelCount * sampleType.bytesPerVoxel;
  if (voxOffset + needBytes > bytes.byteLength) {
    throw new MaskReadError(
      source,
      `truncated NIfTI: ${shape.join('×')} voxels need ${needBytes} bytes at offset ${voxOffset}, file has ${bytes.byteLength - voxOffset}`,
    );
  }

  const slope = header.scl_slope;
  const intercept = Number.isFinite(header.scl_inter) ? header.scl_inter : 0;
  const scaled = Number.isFinite(slope) && slope !== 0 && !(slope === 1 && intercept === 0);

  const samples = readSamples(bytes, voxOffset, voxelCount, sampleType, header.littleEndian);
  const valueAt = scaled ? (i: number): number => samples[i] * slope + intercept : (i: number): number => samples[i];
  // Two passes (range and integrality first, then copy) so a large map never needs a Float64 copy.
  let minValue = Infinity;
  let maxValue = -Infinity;
  const integerSamples = !scaled && !(samples instanceof Float32Array || samples instanceof Float64Array);
  if (integerSamples) {
    for (let i = 0; i < voxelCount; i++) {
      const value = samples[i];
      if (value < minValue) minValue = value;
      if (value > maxValue) maxValue = value;
    }
  } else {
    for (let i = 0; i < voxelCount; i++) {
      const value = valueAt(i);
      if (!Number.isInteger(value)) {
        const where = scaled ? ` after scl_slope ${slope} / scl_inter ${intercept}` : '';
        throw new MaskReadError(source, `non-integer label ${value}${where} at voxel ${i}; a label map must hold whole numbers`);
      }
      if (value < minValue) minValue = value;
      if (value > maxValue) maxValue = value;
    }
  }
  const labels = labelArrayFor(Math.min(minValue, 0), Math.max(maxValue, 0), voxelCount);
  if (!labels) throw new MaskReadError(source, `label values ${minValue}..${maxValue} do not fit in 32 bits`);
  if (scaled) for (let i = 0; i < voxelCount; i++) labels[i] = valueAt(i);
  else labels.set(samples); // a native copy; every value fits the chosen type

  const mmPerUnit = mmPerSpatialUnit(header.xyzt_units);
  const spacingAt = (i: number): number => {
    const size = Math.abs(header.pixDims[i] ?? 0);
    return i <= rank && Number.isFinite(size) && size > 0 ? size * mmPerUnit : 1;
  };
  return { data: labels, shape, spacingMm: [spacingAt(1), spacingAt(2), spacingAt(3)], source };
}
