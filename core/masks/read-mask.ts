import { readFile } from 'node:fs/promises';
import type { LabelVolume } from '../metrics/types';
import { decodeDicomSeg, type SegmentMask } from './dicom-seg';
import type { Vec3 } from './dicom-seg-geometry';
import { MaskReadError } from './mask-error';
import { decodeNiftiLabels, isGzipBytes, isNiftiBytes, readNiftiLabelsFile } from './nifti';
import { decodePngLabels, isPngBytes } from './png';

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
    };
  }
  if (bytes.length === 0) throw new MaskReadError(source, 'empty file');
  throw new MaskReadError(source, 'unrecognised mask format (expected a PNG, a NIfTI .nii/.nii.gz or a DICOM SEG file)');
}

export async function readMaskFile(filePath: string): Promise<MaskSet> {
  let bytes: Uint8Array;
  try {
    // NIfTI is read straight into its label array (no whole-file copy); null: another format.
    const nifti = await readNiftiLabelsFile(filePath);
    if (nifti) return { source: filePath, format: 'nifti', volume: nifti };
    bytes = await readFile(filePath);
  } catch (e) {
    if (e instanceof MaskReadError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new MaskReadError(filePath, code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot read (${(e as Error).message})`);
  }
  return decodeMask(bytes, filePath);
}
