// Writes a stored segmentation as a binary DICOM Segmentation (PS3.3 A.51) over its source series.
import type { Code, Provenance, Segment, SegmentationContent } from '../annotations/model';
import { voxelsPerSlice } from '../annotations/model';
import { encodePart10, newUid } from '../dicom/part10-writer';
import type { NaturalDataset } from '../dicom/dcmjs-api';
import { patientStudyModules } from '../dicom/patient-study';
import { EXPLICIT_LE } from '../dicom/transfer-syntax';
import { codeItem, dicomDate, dicomTime, ds, lo, personName } from '../dicom/value-text';
import { vesaliusEquipment } from '../dicom/writer-identity';
import type { Vec3 } from '../geometry/vec3';
import { rgbToDicomLab } from './cielab';
import { SegWriteError } from './seg-writer-error';

export const SEG_STORAGE_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

/** One image (or one frame of a multi-frame image) of the source series: slice z of the segmentation. */
export interface SegSourceFrame {
  sopClassUid: string;
  sopInstanceUid: string;
  /** 1-based frame inside a multi-frame source instance; null for a single-frame instance. */
  frameNumber: number | null;
  /** ImagePositionPatient of this frame (LPS, mm); null for a projection image (CR, DX), which has no plane in patient space. */
  positionMm: Vec3 | null;
}

/** What the SEG copies from the series it segments. */
export interface SegSource {
  /** Where the source came from, for messages (a file or series key). */
  description: string;
  seriesInstanceUid: string;
  /** Null for a projection image without a frame of reference. */
  frameOfReferenceUid: string | null;
  /** PatientOrientation (0020,0020) of a projection image, e.g. ['L', 'F'] (a SEG without a frame of reference repeats it). */
  patientOrientation?: string[];
  rows: number;
  columns: number;
  /** ImageOrientationPatient shared by every frame; null for a projection image. */
  orientation: readonly number[] | null;
  /** PixelSpacing as DICOM writes it: [between rows, between columns] (mm); null when the images carry none (projection images). */
  pixelSpacingMm: readonly [number, number] | null;
  sliceThicknessMm: number | null;
  /** One per z of the segmentation, in the series' canonical order. */
  frames: SegSourceFrame[];
  /** Patient and General Study module attributes of the source, naturalised (PatientName, StudyInstanceUID, …). */
  patientStudy: NaturalDataset;
}

export interface SegWriteInput {
  source: SegSource;
  content: SegmentationContent;
  provenance: Provenance;
  /** Version number of the stored segmentation: a model's mask edited by a person (> 1) is SEMIAUTOMATIC. */
  versionNumber: number;
  /** Segment numbers to write (all when omitted), in the content's numbering. */
  segmentNumbers?: readonly number[];
  /** SeriesDescription and ContentLabel source (the segmentation's name). */
  name: string;
  /** When the SEG is written (ContentDate/Time, SeriesDate/Time); now by default. */
  now?: Date;
}

export interface SegWriteResult {
  bytes: Buffer;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  frameCount: number;
  /** Original segment number → SegmentNumber in the file (DICOM wants 1, 2, 3, … in order). */
  segmentNumberMap: Map<number, number>;
}

export { SegWriteError } from './seg-writer-error';

/** Defaults where a segment carries no codes: Tissue (SCT 85756007) for both category and type. */
const DEFAULT_CATEGORY: Code = { value: '85756007', scheme: 'SCT', meaning: 'Tissue' };
const DEFAULT_TYPE: Code = { value: '85756007', scheme: 'SCT', meaning: 'Tissue' };
const SEGMENTATION_DERIVATION: NaturalDataset = { CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' };
const SOURCE_PURPOSE: NaturalDataset = { CodeValue: '121322', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source image for image processing operation' };

/** MANUAL for drawn or imported human masks; AUTOMATIC for a model's; SEMIAUTOMATIC once a person edited a model's mask. */
export function algorithmOf(provenance: Provenance, versionNumber: number): { type: 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC'; name: string | null } {
  const origin = provenance.origin;
  const fromModel = origin.kind === 'model' || provenance.role === 'model';
  if (!fromModel) return { type: 'MANUAL', name: null };
  const name = origin.kind === 'model' ? `${origin.name} ${origin.version}` : provenance.author;
  return { type: versionNumber > 1 ? 'SEMIAUTOMATIC' : 'AUTOMATIC', name: lo(name) };
}


/**
 * The SEG's bytes: one frame per (segment, source slice) that holds voxels of that segment, in
 * segment order then slice order. Empty slices carry no information and a SEG lists only the frames
 * it has (a reader places them by position), so a few drawn slices of a 500-slice CT stay small; a
 * segmentation that is empty everywhere gets one empty frame (a SEG needs at least one).
 */
export function encodeDicomSeg(input: SegWriteInput): SegWriteResult {
  const { source, content } = input;
  const [width, height, depth] = content.shape;
  if (width !== source.columns || height !== source.rows || depth !== source.frames.length) {
    throw new SegWriteError(
      `segmentation ${width}×${height}×${depth} (columns×rows×slices) does not match ${source.description}, ${source.columns}×${source.rows}×${source.frames.length}`,
    );
  }
  // Frames on planes in patient space, or one projection image (no position: frames differ by segment only).
  const planar = source.frames.every((f) => f.positionMm !== null) && source.orientation !== null;
  if (!planar && source.frames.length > 1) {
    throw new SegWriteError(`${source.description}: ${source.frames.length} images without ImagePositionPatient/ImageOrientationPatient; their SEG frames could not be told apart`);
  }
  const chosen = chooseSegments(content, input.segmentNumbers);
  const segmentNumberMap = new Map(chosen.map((s, k) => [s.number, k + 1]));
  const sliceVoxels = voxelsPerSlice(content.shape);

  // Which (segment, z) slices hold voxels: those become frames.
  const frames: { segment: Segment; z: number }[] = [];
  for (const segment of chosen) {
    const mask = content.masks.get(segment.number);
    if (!mask) continue;
    for (let z = 0; z < depth; z++) {
      if (mask.subarray(z * sliceVoxels, (z + 1) * sliceVoxels).indexOf(1) !== -1) frames.push({ segment, z });
    }
  }
  if (frames.length === 0) frames.push({ segment: chosen[0], z: 0 });

  // Bit-packed frames, one after the other with no padding between them (PS3.5 8.1.1), first pixel in the lowest bit.
  const totalBits = frames.length * sliceVoxels;
  const packed = new Uint8Array(Math.ceil(totalBits / 8) + (Math.ceil(totalBits / 8) % 2));
  frames.forEach(({ segment, z }, f) => {
    const mask = content.masks.get(segment.number);
    if (mask) packFrame(mask.subarray(z * sliceVoxels, (z + 1) * sliceVoxels), packed, f * sliceVoxels);
  });

  const now = input.now ?? new Date();
  const sopInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  const dimensionOrganizationUid = newUid();
  const algorithm = algorithmOf(input.provenance, input.versionNumber);
  const referencedInstances = new Map<string, string>();
  for (const frame of source.frames) referencedInstances.set(frame.sopInstanceUid, frame.sopClassUid);

  const dataset: NaturalDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SEG_STORAGE_SOP_CLASS,
    SOPInstanceUID: sopInstanceUid,
    ...patientStudyModules(source.patientStudy),
    // General Series / Segmentation Series
    Modality: 'SEG',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: 300,
    SeriesDate: dicomDate(now),
    SeriesTime: dicomTime(now),
    SeriesDescription: lo(input.name),
    // Frame of Reference (the images' own; a projection image may have none)
    ...(source.frameOfReferenceUid ? { FrameOfReferenceUID: source.frameOfReferenceUid, PositionReferenceIndicator: '' } : { PatientOrientation: source.patientOrientation ?? '' }),
    // General and Enhanced General Equipment
    ...vesaliusEquipment(),
    // Segmentation Image
    ImageType: ['DERIVED', 'PRIMARY'],
    InstanceNumber: 1,
    ContentLabel: contentLabel(input.name),
    ContentDescription: lo(input.name),
    ContentCreatorName: input.provenance.origin.kind === 'model' ? '' : personName(input.provenance.author),
    ContentDate: dicomDate(now),
    ContentTime: dicomTime(now),
    SegmentationType: 'BINARY',
    LossyImageCompression: '00',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: source.rows,
    Columns: source.columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    NumberOfFrames: frames.length,
    SegmentSequence: chosen.map((segment) => ({
      SegmentNumber: segmentNumberMap.get(segment.number)!,
      SegmentLabel: lo(segment.label),
      SegmentedPropertyCategoryCodeSequence: [codeItem(segment.category ?? DEFAULT_CATEGORY)],
      SegmentedPropertyTypeCodeSequence: [codeItem(segment.type ?? DEFAULT_TYPE)],
      SegmentAlgorithmType: algorithm.type,
      ...(algorithm.name ? { SegmentAlgorithmName: algorithm.name } : {}),
      RecommendedDisplayCIELabValue: rgbToDicomLab(segment.color),
    })),
    // Multi-frame Dimension: frames indexed by segment, then by position.
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: [
      { DimensionOrganizationUID: dimensionOrganizationUid, DimensionIndexPointer: 0x0062000b, FunctionalGroupPointer: 0x0062000a, DimensionDescriptionLabel: 'Segment Number' },
      ...(planar
        ? [{ DimensionOrganizationUID: dimensionOrganizationUid, DimensionIndexPointer: 0x00200032, FunctionalGroupPointer: 0x00209113, DimensionDescriptionLabel: 'Image Position Patient' }]
        : []),
    ],
    SharedFunctionalGroupsSequence: [
      {
        ...(source.pixelSpacingMm
          ? {
              PixelMeasuresSequence: [
                {
                  PixelSpacing: [ds(source.pixelSpacingMm[0]), ds(source.pixelSpacingMm[1])],
                  ...(source.sliceThicknessMm !== null ? { SliceThickness: ds(source.sliceThicknessMm) } : {}),
                },
              ],
            }
          : {}),
        ...(source.orientation ? { PlaneOrientationSequence: [{ ImageOrientationPatient: source.orientation.map(ds) }] } : {}),
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map(({ segment, z }) => {
      const sourceFrame = source.frames[z];
      return {
        FrameContentSequence: [{ DimensionIndexValues: planar ? [segmentNumberMap.get(segment.number)!, z + 1] : [segmentNumberMap.get(segment.number)!] }],
        DerivationImageSequence: [
          {
            SourceImageSequence: [
              {
                ReferencedSOPClassUID: sourceFrame.sopClassUid,
                ReferencedSOPInstanceUID: sourceFrame.sopInstanceUid,
                ...(sourceFrame.frameNumber !== null ? { ReferencedFrameNumber: sourceFrame.frameNumber } : {}),
                PurposeOfReferenceCodeSequence: [SOURCE_PURPOSE],
              },
            ],
            DerivationCodeSequence: [SEGMENTATION_DERIVATION],
          },
        ],
        ...(sourceFrame.positionMm ? { PlanePositionSequence: [{ ImagePositionPatient: sourceFrame.positionMm.map(ds) }] } : {}),
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segmentNumberMap.get(segment.number)! }],
      };
    }),
    // Common Instance Reference: the series and every image the frames derive from.
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: source.seriesInstanceUid,
        ReferencedInstanceSequence: [...referencedInstances].map(([uid, sopClass]) => ({ ReferencedSOPClassUID: sopClass, ReferencedSOPInstanceUID: uid })),
      },
    ],
  };
  const bytes = encodePart10(dataset, EXPLICIT_LE, { frames: [packed], vr: 'OB' });
  return { bytes, sopInstanceUid, seriesInstanceUid, frameCount: frames.length, segmentNumberMap };
}

/**
 * ORs one frame's 0/1 voxels into `packed` from bit `firstBit` on, first voxel in the lowest bit.
 * A frame that starts on a byte (rows × columns a multiple of 8, as almost every image is) is
 * packed a byte at a time.
 */
function packFrame(voxels: Uint8Array, packed: Uint8Array, firstBit: number): void {
  let i = 0;
  let bit = firstBit;
  if ((bit & 7) === 0) {
    let byte = bit >> 3;
    for (; i + 8 <= voxels.length; i += 8, byte++) {
      packed[byte] = voxels[i] | (voxels[i + 1] << 1) | (voxels[i + 2] << 2) | (voxels[i + 3] << 3) | (voxels[i + 4] << 4) | (voxels[i + 5] << 5) | (voxels[i + 6] << 6) | (voxels[i + 7] << 7);
    }
    bit += i;
  }
  for (; i < voxels.length; i++, bit++) if (voxels[i]) packed[bit >> 3] |= 1 << (bit & 7);
}

/** The segments to write, ascending by number; an unknown or repeated number is refused by name. */
function chooseSegments(content: SegmentationContent, numbers: readonly number[] | undefined): Segment[] {
  const byNumber = new Map(content.segments.map((s) => [s.number, s]));
  if (content.segments.length === 0) throw new SegWriteError('the segmentation has no segments to write');
  if (!numbers) return [...content.segments].sort((a, b) => a.number - b.number);
  if (numbers.length === 0) throw new SegWriteError('no segments chosen');
  const chosen: Segment[] = [];
  for (const n of numbers) {
    const segment = byNumber.get(n);
    if (!segment) throw new SegWriteError(`segment ${n} is not in the segmentation (it has ${[...byNumber.keys()].join(', ')})`);
    if (chosen.includes(segment)) throw new SegWriteError(`segment ${n} is chosen twice`);
    chosen.push(segment);
  }
  return chosen.sort((a, b) => a.number - b.number);
}

/** ContentLabel is a CS: upper case letters, digits, space and underscore, at most 16 characters. */
function contentLabel(name: string): string {
  const label = name.toUpperCase().replace(/[^A-Z0-9_ ]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 16).trim();
  return label || 'SEGMENTATION';
}
