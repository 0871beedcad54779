import type { LabelVolume } from '../metrics/types';
import { decodeDicomSeg, type SegmentMask } from './dicom-seg';
import type { Vec3 } from './dicom-seg-geometry';
import { MaskReadError } from './mask-error';
import { DEFAULT_MAX_VOLUME_BYTES, decodeNiftiLabels, isGzipBytes, isNiftiBytes, readNiftiLabelsFromHandle } from './nifti';
import { formatBytes } from '../fs/size-text';
import { openRegularFile, readWhole } from './open-regular-file';
import { decodePngLabels, isPngBytes } from './png';
import { ioErrorText } from '../fs/io-error';

export type MaskFormat = 'png' | 'nifti' | 'dicom-seg';

/** Any mask file, read into one common shape. */
export interface MaskSet {
  source: string;
  format: MaskFormat;
  /** The label map (value = label; for a SEG, value = SegmentNumber). */
  volume: LabelVolume;
  /** DICOM SEG only: every segment as its own 0/1 mask, so overlapping segments stay whole. */
  segments?: Map<number, SegmentMask>;
  /** DICOM SEG only: voxels that belong to more than one segment. */
  overlapVoxelCount?: number;
  labelNames?: Record<number, string>;
  referencedSeriesUid?: string;
  referencedSopInstanceUids?: string[];
  /** DICOM SEG only: ImagePositionPatient of each z slice and the plane orientation, to align two SEGs. */
  slicePositionsMm?: (Vec3 | null)[];
  orientation?: readonly number[] | null;
  /** How the file's values became binary masks, when that was a choice (a FRACTIONAL SEG's threshold), for the import's version note. */
  importNote?: string;
}

export const isDicomPart10Bytes = (bytes: Uint8Array): boolean =>
  bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d; // "DICM"

/** Decodes mask bytes by their content (magic bytes), whatever the file is called. */
export function decodeMask(bytes: Uint8Array, source: string): MaskSet {
  if (isPngBytes(bytes)) return { source, format: 'png', volume: decodePngLabels(bytes, source) };
  if (isGzipBytes(bytes) || isNiftiBytes(bytes)) return { source, format: 'nifti', volume: decodeNiftiLabels(bytes, source) };
  if (isDicomPart10Bytes(bytes)) {
    const seg = decodeDicomSeg(bytes, source);
    const labelNames: Record<number, string> = {};
    for (const [n, segment] of seg.segments) labelNames[n] = segment.name;
    return {
      source,
      format: 'dicom-seg',
      volume: seg.labelMap,
      segments: seg.segments,
      overlapVoxelCount: seg.overlapVoxelCount,
      labelNames,
      ...(seg.referencedSeriesUid ? { referencedSeriesUid: seg.referencedSeriesUid } : {}),
      referencedSopInstanceUids: seg.referencedSopInstanceUids,
      slicePositionsMm: seg.slicePositionsMm,
      orientation: seg.orientation,
      ...(seg.fractionalThreshold !== null
        ? { importNote: `FRACTIONAL SEG thresholded: a voxel belongs to a segment where its value is at least ${seg.fractionalThreshold} (half of MaximumFractionalValue, a probability or occupancy of 0.5); stored as binary masks` }
        : seg.segmentationType === 'LABELMAP'
          ? { importNote: 'LABELMAP SEG: each label value became its own segment' }
          : {}),
    };
  }
  if (bytes.length === 0) throw new MaskReadError(source, 'empty file');
  throw new MaskReadError(source, 'unrecognised mask format (expected a PNG, a NIfTI .nii/.nii.gz or a DICOM SEG file)');
}

/** Largest non-NIfTI mask file read whole (PNG, DICOM SEG): the same cap as one NIfTI volume. */
const MAX_MASK_FILE_BYTES = DEFAULT_MAX_VOLUME_BYTES;

/** A file-system error in words (core/fs); a socket is refused as every other non-regular file is. */
function fileSystemReason(e: unknown): string {
  const words = ioErrorText(e);
  return (e as NodeJS.ErrnoException).code === 'ENXIO' ? `${words}; only regular files are read as masks` : words;
}

/**
 * Reads any mask file: the one place every mask read goes through (masks.open, score, the folder
 * scorer). Only regular files are read (opened without blocking, checked with fstat on the opened
 * descriptor); one descriptor serves the format check and the read.
 */
export async function readMaskFile(filePath: string): Promise<MaskSet> {
  let bytes: Uint8Array;
  try {
    const { handle, size } = await openRegularFile(filePath);
    try {
      // NIfTI is read straight into its label array (no whole-file copy); null: another format.
      const nifti = await readNiftiLabelsFromHandle(handle, size, filePath);
      if (nifti) return { source: filePath, format: 'nifti', volume: nifti };
      if (size > MAX_MASK_FILE_BYTES) throw new MaskReadError(filePath, `file of ${size} bytes is over the ${formatBytes(MAX_MASK_FILE_BYTES)} limit for a mask file`);
      bytes = await readWhole(handle, size);
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (e instanceof MaskReadError) throw e;
    throw new MaskReadError(filePath, fileSystemReason(e));
  }
  return decodeMask(bytes, filePath);
}
