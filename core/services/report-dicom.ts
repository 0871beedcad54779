// A study's report as DICOM beside its PDF: the Encapsulated PDF, one SEG per stored segmentation with
// voxels, and the measurement SR (TID 1500) that references the images measured on and those SEGs.
// Composed from the contract calls (so SEGs are written and audited as masks.export writes them) and the
// reader threads (image headers are never parsed on the calling thread).
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogStudy } from '../contract/catalog';
import type { Series } from '../contract/dicom';
import type { CallArgs, CallName, CallResult } from '../contract/index';
import type { MaskSetInfo } from '../contract/masks';
import { err, ok, type Result } from '../contract/result';
import { ioErrorText } from '../fs/io-error';
import { stackVolumeGeometry } from '../geometry/stack-geometry';
import type { SegSource } from '../masks/seg-writer';
import { SegWriteError } from '../masks/seg-writer-error';
import { voxelVolumeMl } from '../metrics/volume';
import { ENCAPSULATED_PDF_STORAGE, EncapsulatedPdfError, encodeEncapsulatedPdf } from '../report/dicom/encapsulated-pdf';
import { ENHANCED_SR_STORAGE, encodeMeasurementReport, MeasurementSrError, type SrMeasurement, type SrSegmentation } from '../report/dicom/measurement-sr';
import { SEG_STORAGE_SOP_CLASS } from '../masks/seg-writer';
import type { NaturalDataset } from '../dicom/dcmjs-api';
import { roiStats, type RoiStats } from '../annotations/roi-stats';
import type { MeasurementGeometry } from '../annotations/measurement';
import type { ModalityFrame } from '../sandbox/modality-frame';
import { writeWhole } from './export-handlers';

/** The file names written in the output folder (SEGs are named after their segmentation). */
export const REPORT_PDF_DICOM_FILE = 'report.pdf.dcm';
export const MEASUREMENT_SR_FILE = 'measurements.sr.dcm';

export interface ReportDicomDeps {
  /** One contract call (dispatch): catalog.study, report.get, measurements.list, masks.list, masks.export. */
  call: <K extends CallName>(name: K, args: CallArgs<K>) => Promise<Result<CallResult<K>>>;
  /** Patient and General Study attributes of an image, read on a reader thread (ReaderSandbox.patientStudy). */
  patientStudy: (filePath: string) => Promise<NaturalDataset>;
  /** A series' image headers as a SEG copies them, read on a reader thread (ReaderSandbox.segSource). */
  segSource: (series: Series) => Promise<SegSource>;
  /** One frame's modality values (HU on CT), decoded on a reader thread (ReaderSandbox.modalityFrame), for ROI statistics. */
  modalityFrame: (filePath: string, frame: number) => Promise<ModalityFrame>;
  /** Refuses an output path outside what the user granted (the catalog's checkGranted). */
  checkPath: (p: string) => Result<string>;
}

export interface ReportDicomRequest {
  studyKey: string;
  /** The report PDF (as report.exportPdf renders it): its bytes become the Encapsulated PDF's document. */
  pdf: Uint8Array;
  /** What the PDF is, for error messages (e.g. "the report PDF of version 2"). */
  pdfName: string;
  /** The report version the PDF shows (the newest when omitted): its signature makes the SR verified. */
  version?: number;
  /** The folder to write into; created when missing. */
  outDir: string;
  author?: string;
}

export interface ReportDicomFile {
  kind: 'encapsulated-pdf' | 'sr' | 'seg';
  path: string;
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  bytes: number;
  /** For a SEG: the stored segmentation it was written from. */
  maskSetId?: string;
}

export interface ReportDicomOutputs {
  files: ReportDicomFile[];
  /** Measurements in the SR, and those left out with the reason. */
  measurements: number;
  skipped: { what: string; reason: string }[];
}

type StudyOfCatalog = CatalogStudy['patient']['studies'][number];

/** A segmentation's name as a file name: path separators and odd characters become '_'; repeats get -2, -3, … */
function segFileName(name: string, taken: Set<string>): string {
  const base = name.replace(/\.dcm$/i, '').replace(/[^A-Za-z0-9._ -]+/g, '_').replace(/^[.\s]+/, '').trim().slice(0, 120) || 'segmentation';
  let candidate = `${base}.seg.dcm`;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${base}-${n}.seg.dcm`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

const totalVoxels = (m: MaskSetInfo): number => m.labels.reduce((sum, l) => sum + l.voxelCount, 0);

/** The measured image's SR reference and plane (k = 0 on it), from the series' headers; a reason when it is not in them. */
function srImageOf(source: SegSource, image: { sopInstanceUid: string | null; frame: number }): SrMeasurement['image'] | string {
  if (!image.sopInstanceUid) return 'it names no image (drawn before images were recorded)';
  const frame = source.frames.find((f) => f.sopInstanceUid === image.sopInstanceUid && (f.frameNumber ?? 1) === image.frame);
  if (!frame) return `its image ${image.sopInstanceUid} frame ${image.frame} is not in series ${source.seriesInstanceUid}`;
  const placed = stackVolumeGeometry({ orientation: source.orientation, firstPositionMm: frame.positionMm, lastPositionMm: frame.positionMm, sliceCount: 1, pixelSpacingMm: source.pixelSpacingMm });
  if (!placed.ok) return `its image ${image.sopInstanceUid} has no plane in patient space (${placed.reason})`;
  return { sopClassUid: frame.sopClassUid, sopInstanceUid: frame.sopInstanceUid, frameNumber: frame.frameNumber, seriesInstanceUid: source.seriesInstanceUid, geometry: placed.geometry };
}

/** Decoded frames by file and frame, the most recent few: several ROIs on one image decode it once, and a study's many images are not all held. */
type DecodedFrames = Map<string, Promise<ModalityFrame>>;
const DECODED_FRAMES_KEPT = 8;

/** The statistics of an ellipse or rectangle from its image's modality values, decoded on a reader thread; a reason when there are none. */
async function roiStatsOf(
  deps: ReportDicomDeps,
  decoded: DecodedFrames,
  series: StudyOfCatalog['series'][number],
  image: SrMeasurement['image'],
  roi: Extract<MeasurementGeometry, { kind: 'ellipse' | 'rectangle' }>,
): Promise<{ ok: true; stats: RoiStats } | { ok: false; reason: string }> {
  const instance = series.instances.find((i) => i.sopInstanceUid === image.sopInstanceUid);
  if (!instance) return { ok: false, reason: `its image ${image.sopInstanceUid} is not in the catalog's series ${series.seriesInstanceUid}` };
  const frame = image.frameNumber ?? 1;
  const key = `${instance.path}\u0000${frame}`;
  if (!decoded.has(key)) {
    if (decoded.size >= DECODED_FRAMES_KEPT) decoded.delete(decoded.keys().next().value!);
    decoded.set(key, deps.modalityFrame(instance.path, frame));
  }
  const values = await decoded.get(key)!;
  if (!values.ok) return { ok: false, reason: `${instance.path}: ${values.reason}` };
  const { columns, rows } = values;
  const at = values.values;
  return roiStats({ columns, rows, valueAt: (index) => at[index], geometry: image.geometry }, roi);
}

/** A file that could not be written, by its name: the answer names the file and the reason. */
class FileWriteError extends Error {
  constructor(
    readonly target: string,
    override readonly cause: unknown,
  ) {
    super(`cannot write ${target}`);
  }
}

/** Written beside its name and renamed (writeWhole); a failure names the file. */
async function writeNamed(target: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeWhole(target, bytes);
  } catch (e) {
    throw new FileWriteError(target, e);
  }
}

/** Writes the report's DICOM outputs into `outDir`; a refusal names the file or the study and says why. */
export async function writeReportDicom(deps: ReportDicomDeps, request: ReportDicomRequest): Promise<Result<ReportDicomOutputs>> {
  const what = `report DICOM of study ${request.studyKey}`;
  const granted = deps.checkPath(request.outDir);
  if (!granted.ok) return err('forbidden', `${what}: ${granted.error.message}`);
  const outDir = granted.value;
  const existing = await stat(outDir).catch(() => null);
  if (existing && !existing.isDirectory()) return err('bad_input', `${what}: ${outDir} is a file; give a folder to write the DICOM files into`);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    return err('io_error', `${what}: cannot create the folder ${outDir}: ${ioErrorText(e)}`);
  }

  const catalogStudy = await deps.call('catalog.study', { studyKey: request.studyKey });
  if (!catalogStudy.ok) return catalogStudy;
  const study: StudyOfCatalog = catalogStudy.value.patient.studies[0];
  const report = await deps.call('report.get', { studyKey: request.studyKey, ...(request.version !== undefined ? { version: request.version } : {}) });
  if (!report.ok) return report;
  const firstImage = study.series.flatMap((s) => s.instances)[0];
  if (!firstImage) return err('bad_input', `${what}: the catalog holds no image of the study to copy its patient and study from`);
  const { pdf } = request;

  const files: ReportDicomFile[] = [];
  const skipped: ReportDicomOutputs['skipped'] = [];
  const measurements: SrMeasurement[] = [];
  const segmentations: SrSegmentation[] = [];
  const taken = new Set([REPORT_PDF_DICOM_FILE, MEASUREMENT_SR_FILE]);
  const decoded: DecodedFrames = new Map();
  try {
    const patientStudy = await deps.patientStudy(firstImage.path);
    for (const series of study.series) {
      const listed = await deps.call('measurements.list', { seriesKey: series.seriesInstanceUid });
      if (!listed.ok) return listed;
      const masks = await deps.call('masks.list', { seriesKey: series.seriesInstanceUid });
      if (!masks.ok) return masks;
      const withVoxels = masks.value.maskSets.filter((m) => totalVoxels(m) > 0);
      if (listed.value.measurements.length === 0 && withVoxels.length === 0) continue;
      const source = await deps.segSource(series);

      for (const m of listed.value.measurements) {
        const image = srImageOf(source, m.image);
        if (typeof image === 'string') {
          skipped.push({ what: `measurement "${m.label}" (${m.id})`, reason: image });
          continue;
        }
        let stats: RoiStats | null = null;
        if (m.geometry.kind === 'ellipse' || m.geometry.kind === 'rectangle') {
          const computed = await roiStatsOf(deps, decoded, series, image, m.geometry);
          // Without its statistics the ROI still goes in with its area; the reason is reported.
          if (computed.ok) stats = computed.stats;
          else skipped.push({ what: `the statistics of measurement "${m.label}" (${m.id})`, reason: computed.reason });
        }
        measurements.push({ label: m.label || m.id, geometry: m.geometry, image, roiStats: stats, valueUnits: series.modality === 'CT' ? 'hounsfield' : 'unitless' });
      }

      for (const maskSet of withVoxels) {
        const target = path.join(outDir, segFileName(maskSet.name, taken));
        const exported = await deps.call('masks.export', { maskSetId: maskSet.maskSetId, format: 'seg', outPath: target, ...(request.author ? { author: request.author } : {}) });
        if (!exported.ok) return exported;
        const { sopInstanceUid, seriesInstanceUid } = exported.value;
        if (!sopInstanceUid || !seriesInstanceUid) return err('io_error', `${what}: the SEG ${exported.value.path} was written without its UIDs`);
        files.push({ kind: 'seg', path: exported.value.path, sopClassUid: SEG_STORAGE_SOP_CLASS, sopInstanceUid, seriesInstanceUid, bytes: exported.value.bytes, maskSetId: maskSet.maskSetId });
        const mlPerVoxel = voxelVolumeMl(maskSet.spacingMm);
        segmentations.push({
          sopInstanceUid,
          seriesInstanceUid,
          sourceSeriesInstanceUid: series.seriesInstanceUid,
          segments: exported.value.segments.map((s) => {
            const segment = maskSet.segments.find((g) => g.number === s.number);
            return { segmentNumber: s.fileNumber, label: segment?.label ?? String(s.number), volumeMl: s.voxelCount * mlPerVoxel, type: segment?.type ?? null };
          }),
        });
      }
    }

    const version = report.value.report;
    const signature = version?.signature ?? null;
    const sr = encodeMeasurementReport({
      patientStudy,
      measurements,
      segmentations,
      observer: signature?.signer ?? version?.savedBy ?? request.author ?? 'unknown',
      signed: signature && version?.state !== 'draft' ? { signer: signature.signer, signedAt: new Date(signature.signedAt) } : null,
    });
    const srPath = path.join(outDir, MEASUREMENT_SR_FILE);
    await writeNamed(srPath, sr.bytes);
    files.push({ kind: 'sr', path: srPath, sopClassUid: ENHANCED_SR_STORAGE, sopInstanceUid: sr.sopInstanceUid, seriesInstanceUid: sr.seriesInstanceUid, bytes: sr.bytes.length });

    const encapsulated = encodeEncapsulatedPdf({ pdf, patientStudy, title: `Radiology report${version ? ` (version ${version.number}, ${version.state})` : ''}`, showsPatientIdentity: true });
    const pdfDicomPath = path.join(outDir, REPORT_PDF_DICOM_FILE);
    await writeNamed(pdfDicomPath, encapsulated.bytes);
    files.push({ kind: 'encapsulated-pdf', path: pdfDicomPath, sopClassUid: ENCAPSULATED_PDF_STORAGE, sopInstanceUid: encapsulated.sopInstanceUid, seriesInstanceUid: encapsulated.seriesInstanceUid, bytes: encapsulated.bytes.length });
  } catch (e) {
    if (e instanceof SegWriteError || e instanceof MeasurementSrError) return err('bad_input', `${what}: ${e.message}`);
    if (e instanceof EncapsulatedPdfError) return err('bad_input', `${what}: ${request.pdfName}: ${e.message}`);
    if (e instanceof FileWriteError) return err('io_error', `${what}: cannot write ${e.target}: ${ioErrorText(e.cause)}`);
    if (e instanceof Error && 'code' in e) return err('io_error', `${what}: cannot write into ${outDir}: ${ioErrorText(e)}`);
    throw e;
  }
  return ok({ files, measurements: measurements.length, skipped });
}
