// A study's measurements and segment statistics as a DICOM SR Imaging Measurement Report (TID 1500),
// in an Enhanced SR instance (PS3.3 A.35.2) that references the images measured on and the SEG whose
// segments it gives volumes for. Pure: plain inputs in, Part 10 bytes out.
import { angleDegrees, areaMm2, lengthMm, type MeasurementGeometry } from '../../annotations/measurement';
import type { RoiStats } from '../../annotations/roi-stats';
import type { NaturalDataset } from '../../dicom/dcmjs-api';
import { patientStudyModules } from '../../dicom/patient-study';
import { encodePart10, newUid } from '../../dicom/part10-writer';
import { EXPLICIT_LE } from '../../dicom/transfer-syntax';
import { dicomDate, dicomDateTime, dicomTime, lo, personName } from '../../dicom/value-text';
import { vesaliusEquipment } from '../../dicom/writer-identity';
import { worldToIjk, type VolumeGeometry } from '../../geometry/patient-space';
import type { Vec3 } from '../../geometry/vec3';
import { SEG_STORAGE_SOP_CLASS } from '../../masks/seg-writer';
import { codeContent, container, imageContent, numContent, personContent, scoordContent, textContent, uidContent, type SrCode, type SrImageReference } from './sr-content';

export const ENHANCED_SR_STORAGE = '1.2.840.10008.5.1.4.1.1.88.22';

/** An image measured on: its series and SOP class for the evidence list, and its pixel grid in patient space. */
export interface SrImage extends SrImageReference {
  seriesInstanceUid: string;
  /** The image's ijk ↔ patient mm (k = 0 on it), as roi-stats' PlaneValues carries it: points become pixel coordinates. */
  geometry: VolumeGeometry;
}

export interface SrMeasurement {
  label: string;
  geometry: MeasurementGeometry;
  image: SrImage;
  /** Statistics of the pixels an ellipse or rectangle encloses (core/annotations/roi-stats); null when not computed. */
  roiStats?: RoiStats | null;
  /** What the image's modality values are: Hounsfield units for CT, else unitless. */
  valueUnits?: 'hounsfield' | 'unitless';
}

export interface SrSegment {
  /** SegmentNumber in the SEG file (not the store's number, where they differ). */
  segmentNumber: number;
  label: string;
  volumeMl: number;
  /** Segmented property type, written as the group's Finding. */
  type?: SrCode | null;
}

/** A SEG written from the study and the statistics of its segments. */
export interface SrSegmentation {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  /** The series the SEG segments (Source series for segmentation). */
  sourceSeriesInstanceUid: string;
  segments: SrSegment[];
}

export interface MeasurementReportInput {
  /** Patient and General Study attributes of the study, copied from one of its images (core/dicom/patient-study). */
  patientStudy: NaturalDataset;
  measurements: readonly SrMeasurement[];
  segmentations: readonly SrSegmentation[];
  /** The person whose report it is (Person Observer Name). */
  observer: string;
  /** A signed report: VERIFIED by the signer at the signing time, and COMPLETE; else UNVERIFIED and PARTIAL. */
  signed?: { signer: string; signedAt: Date; /** VerifyingOrganization (type 1); "Not recorded" when the store has none. */ organization?: string } | null;
  seriesDescription?: string;
  now?: Date;
}

export interface MeasurementReportResult {
  bytes: Buffer;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

/** Thrown when the report cannot be written from these inputs; the message names the measurement or segment. */
export class MeasurementSrError extends Error {
  override name = 'MeasurementSrError';
}

const dcm = (value: string, meaning: string): SrCode => ({ value, scheme: 'DCM', meaning });
const sct = (value: string, meaning: string): SrCode => ({ value, scheme: 'SCT', meaning });
const ucum = (value: string, meaning: string): SrCode => ({ value, scheme: 'UCUM', meaning });

const CODES = {
  report: dcm('126000', 'Imaging Measurement Report'),
  language: dcm('121049', 'Language of Content Item and Descendants'),
  english: { value: 'en', scheme: 'RFC5646', meaning: 'English' },
  observerType: dcm('121005', 'Observer Type'),
  person: dcm('121006', 'Person'),
  personName: dcm('121008', 'Person Observer Name'),
  procedureReported: dcm('121058', 'Procedure reported'),
  imagingProcedure: sct('363679005', 'Imaging procedure'),
  imageLibrary: dcm('111028', 'Image Library'),
  imageLibraryGroup: dcm('126200', 'Image Library Group'),
  imagingMeasurements: dcm('126010', 'Imaging Measurements'),
  measurementGroup: dcm('125007', 'Measurement Group'),
  trackingId: dcm('112039', 'Tracking Identifier'),
  trackingUid: dcm('112040', 'Tracking Unique Identifier'),
  finding: dcm('121071', 'Finding'),
  imageRegion: dcm('111030', 'Image Region'),
  referencedSegment: dcm('121191', 'Referenced Segment'),
  sourceSeries: dcm('121232', 'Source series for segmentation'),
  length: sct('410668003', 'Length'),
  angle: sct('1483009', 'Angle'),
  area: sct('42798000', 'Area'),
  mean: sct('373098007', 'Mean'),
  stdDev: sct('386136009', 'Standard Deviation'),
  min: sct('255605001', 'Minimum'),
  max: sct('56851009', 'Maximum'),
  volume: sct('118565006', 'Volume'),
  attenuation: dcm('112031', 'Attenuation Coefficient'),
  derivation: dcm('121401', 'Derivation'),
  mm: ucum('mm', 'millimeter'),
  mm2: ucum('mm2', 'square millimeter'),
  degree: ucum('deg', 'degree'),
  ml: ucum('ml', 'milliliter'),
  hounsfield: ucum("[hnsf'U]", 'Hounsfield unit'),
  unitless: ucum('1', 'no units'),
} satisfies Record<string, SrCode>;

/** A point in patient mm as SCOORD pixel coordinates (column, row) on its image; refused when it lies off the image's plane. */
function pixelPoint(m: SrMeasurement, point: Vec3): [number, number] {
  const [i, j, k] = worldToIjk(m.image.geometry, point);
  // Half a slice either way still lies on the image, as roi-stats decides too.
  if (Math.abs(k) > 0.5) throw new MeasurementSrError(`measurement "${m.label}": a point lies ${k.toFixed(2)} slices off image ${m.image.sopInstanceUid} it was drawn on`);
  // ijk integers are pixel centres; SCOORD's (0, 0) is the top left corner of the top left pixel.
  return [i + 0.5, j + 0.5];
}

/**
 * One statistic of the enclosed pixels (TID 1419). On CT the quantity is the attenuation coefficient in HU
 * with the statistic as its Derivation modifier (CID 7464); unitless values of other modalities have no
 * quantity code of their own, so the statistic itself names the NUM.
 */
function statisticContent(m: SrMeasurement, statistic: SrCode, value: number): NaturalDataset {
  if (m.valueUnits !== 'hounsfield') return numContent('CONTAINS', statistic, value, CODES.unitless);
  return numContent('CONTAINS', CODES.attenuation, value, CODES.hounsfield, [codeContent('HAS CONCEPT MOD', CODES.derivation, statistic)]);
}

const trackingItems = (label: string): NaturalDataset[] => [textContent('CONTAINS', CODES.trackingId, lo(label)), uidContent('CONTAINS', CODES.trackingUid, newUid())];

/** One measurement group: a length or angle (TID 1501 with a TID 300 measurement), or a planar ROI with its statistics (TID 1410). */
function measurementGroup(m: SrMeasurement): NaturalDataset {
  const g = m.geometry;
  const points = g.pointsMm.map((p) => pixelPoint(m, p));
  if (g.kind === 'length' || g.kind === 'angle') {
    const value = g.kind === 'length' ? lengthMm(g) : angleDegrees(g);
    if (value === null) throw new MeasurementSrError(`measurement "${m.label}": the angle has a ray of no length, so it has no value`);
    const where = scoordContent('INFERRED FROM', null, 'POLYLINE', points, m.image);
    const num = g.kind === 'length' ? numContent('CONTAINS', CODES.length, value, CODES.mm, [where]) : numContent('CONTAINS', CODES.angle, value, CODES.degree, [where]);
    return container('CONTAINS', CODES.measurementGroup, [...trackingItems(m.label), num], '1501');
  }
  // An ellipse as its two axes' ends, the longer first (SCOORD ELLIPSE); a rectangle as a closed polyline around its corners.
  const [p0, p1, p2, p3] = points;
  const axisLength = (a: [number, number], b: [number, number]): number => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const region =
    g.kind === 'ellipse'
      ? scoordContent('CONTAINS', CODES.imageRegion, 'ELLIPSE', axisLength(p0, p1) >= axisLength(p2, p3) ? [p0, p1, p2, p3] : [p2, p3, p0, p1], m.image)
      : scoordContent('CONTAINS', CODES.imageRegion, 'POLYLINE', [p0, p1, p3, p2, p0], m.image); // 2-D SCOORD has no POLYGON: a closed polyline is one
  const stats = m.roiStats;
  const values = stats ? ([[CODES.mean, stats.mean], [CODES.stdDev, stats.stdDev], [CODES.min, stats.min], [CODES.max, stats.max]] as const).map(([statistic, value]) => statisticContent(m, statistic, value)) : [];
  return container('CONTAINS', CODES.measurementGroup, [...trackingItems(m.label), region, numContent('CONTAINS', CODES.area, areaMm2(g), CODES.mm2), ...values], '1410');
}

/** One volumetric ROI group per segment (TID 1411): the SEG segment it is, the series segmented, and the volume. */
function segmentGroup(seg: SrSegmentation, segment: SrSegment): NaturalDataset {
  if (!Number.isFinite(segment.volumeMl) || segment.volumeMl < 0) throw new MeasurementSrError(`segment ${segment.segmentNumber} "${segment.label}": volume ${segment.volumeMl} ml is not a non-negative number`);
  return container(
    'CONTAINS',
    CODES.measurementGroup,
    [
      ...trackingItems(segment.label),
      ...(segment.type ? [codeContent('CONTAINS', CODES.finding, segment.type)] : []),
      imageContent('CONTAINS', CODES.referencedSegment, { sopClassUid: SEG_STORAGE_SOP_CLASS, sopInstanceUid: seg.sopInstanceUid, frameNumber: null, segmentNumber: segment.segmentNumber }),
      uidContent('CONTAINS', CODES.sourceSeries, seg.sourceSeriesInstanceUid),
      numContent('CONTAINS', CODES.volume, segment.volumeMl, CODES.ml),
    ],
    '1411',
  );
}

/** Every instance the report references, by series (Current Requested Procedure Evidence). */
function evidence(input: MeasurementReportInput, studyInstanceUid: string): NaturalDataset[] {
  const bySeries = new Map<string, Map<string, string>>();
  const add = (series: string, sopInstanceUid: string, sopClassUid: string) => {
    if (!bySeries.has(series)) bySeries.set(series, new Map());
    bySeries.get(series)!.set(sopInstanceUid, sopClassUid);
  };
  for (const m of input.measurements) add(m.image.seriesInstanceUid, m.image.sopInstanceUid, m.image.sopClassUid);
  for (const seg of input.segmentations) add(seg.seriesInstanceUid, seg.sopInstanceUid, SEG_STORAGE_SOP_CLASS);
  if (bySeries.size === 0) return [];
  return [
    {
      StudyInstanceUID: studyInstanceUid,
      ReferencedSeriesSequence: [...bySeries].map(([series, instances]) => ({
        SeriesInstanceUID: series,
        ReferencedSOPSequence: [...instances].map(([uid, sopClass]) => ({ ReferencedSOPClassUID: sopClass, ReferencedSOPInstanceUID: uid })),
      })),
    },
  ];
}

/** The report's bytes: one SR instance in a new series of the study (Modality SR). */
export function encodeMeasurementReport(input: MeasurementReportInput): MeasurementReportResult {
  const studyInstanceUid = input.patientStudy.StudyInstanceUID;
  if (typeof studyInstanceUid !== 'string' || !studyInstanceUid) throw new MeasurementSrError('the study has no StudyInstanceUID to file the measurement report under');
  const now = input.now ?? new Date();
  const sopInstanceUid = newUid();
  const seriesInstanceUid = newUid();

  // Image Library: each image measured on, once (TID 1600), so a reader can list them before the groups.
  const libraryImages = new Map<string, SrImageReference>();
  for (const m of input.measurements) libraryImages.set(`${m.image.sopInstanceUid}/${m.image.frameNumber ?? ''}`, m.image);
  const groups = [...input.measurements.map(measurementGroup), ...input.segmentations.flatMap((seg) => seg.segments.map((s) => segmentGroup(seg, s)))];

  const root = container(
    null,
    CODES.report,
    [
      codeContent('HAS CONCEPT MOD', CODES.language, CODES.english),
      codeContent('HAS OBS CONTEXT', CODES.observerType, CODES.person),
      personContent('HAS OBS CONTEXT', CODES.personName, input.observer),
      codeContent('HAS CONCEPT MOD', CODES.procedureReported, CODES.imagingProcedure),
      container('CONTAINS', CODES.imageLibrary, libraryImages.size > 0 ? [container('CONTAINS', CODES.imageLibraryGroup, [...libraryImages.values()].map((image) => imageContent('CONTAINS', null, { sopClassUid: image.sopClassUid, sopInstanceUid: image.sopInstanceUid, frameNumber: image.frameNumber })))] : []),
      container('CONTAINS', CODES.imagingMeasurements, groups),
    ],
    '1500',
  );
  const { ContentSequence, ...rootItem } = root;
  const signed = input.signed ?? null;
  const dataset: NaturalDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: ENHANCED_SR_STORAGE,
    SOPInstanceUID: sopInstanceUid,
    ...patientStudyModules(input.patientStudy),
    // SR Document Series
    Modality: 'SR',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: 302,
    SeriesDate: dicomDate(now),
    SeriesTime: dicomTime(now),
    SeriesDescription: lo(input.seriesDescription ?? 'Measurement report'),
    ReferencedPerformedProcedureStepSequence: [],
    // General Equipment
    ...vesaliusEquipment(),
    // SR Document General
    InstanceNumber: 1,
    CompletionFlag: signed ? 'COMPLETE' : 'PARTIAL',
    VerificationFlag: signed ? 'VERIFIED' : 'UNVERIFIED',
    ...(signed
      ? {
          VerifyingObserverSequence: [
            { VerifyingObserverName: personName(signed.signer), VerificationDateTime: dicomDateTime(signed.signedAt), VerifyingOrganization: lo(signed.organization || 'Not recorded'), VerifyingObserverIdentificationCodeSequence: [] },
          ],
        }
      : {}),
    ContentDate: dicomDate(now),
    ContentTime: dicomTime(now),
    PerformedProcedureCodeSequence: [],
    // 1C: present when the report references instances, which it does whenever it holds a group.
    ...(groups.length > 0 ? { CurrentRequestedProcedureEvidenceSequence: evidence(input, studyInstanceUid) } : {}),
    // SR Document Content: the root container's attributes at the top level, its children below.
    ...rootItem,
    ContentSequence,
  };
  return { bytes: encodePart10(dataset, EXPLICIT_LE), sopInstanceUid, seriesInstanceUid };
}
