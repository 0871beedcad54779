// report.*: the study's report in the annotation store (versions, AI review, signing, amending) and its PDF.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogStudy } from '../contract/catalog';
import type { Series } from '../contract/dicom';
import type { reportCalls } from '../contract/report';
import { err, ok, type Result } from '../contract/result';
import { ioErrorText } from '../fs/io-error';
import { keyImageCaption, measurementRow, segmentRows } from '../report/document';
import type { KeyImage, ReportVersion } from '../report/model';
import { renderReport, ReportPdfError, type ReportDocument } from '../report/pdf';
import type { ReaderSandbox } from '../sandbox/reader-sandbox';
import type { MeasurementRecord, StoreResult } from '../store/annotation-store';
import type { StoreHandle } from '../store/store-handle';
import type { DomainHandlers } from './context';
import { writeWhole } from './export-handlers';
import { apiErrorOf } from './mask-store';
import { writeReportDicom, type ReportDicomDeps } from './report-dicom';

export interface ReportHandlerDeps {
  store: StoreHandle;
  /** The catalog's study with its patient and series, or null when it is not imported. */
  findStudy: (studyKey: string) => CatalogStudy | null;
  /** Refuses an output path outside what the user granted (the catalog's checkGranted); tests may leave it out. */
  checkPath?: (path: string) => Result<string>;
  /** Renders a DICOM file's frames to PNG on a reader thread (ReaderSandbox.renderFile). */
  renderFile: ReaderSandbox['renderFile'];
  defaultAuthor: string;
  now?: () => number;
  /**
   * What report.exportDicom composes (the other calls through dispatch, headers and pixels on reader
   * threads); without it that call answers `unsupported`.
   */
  dicom?: Omit<ReportDicomDeps, 'checkPath'>;
}

/** A report version rendered as PDF: the bytes and what went into it. */
interface RenderedReport {
  report: ReportVersion;
  bytes: Uint8Array;
  keyImages: number;
  skipped: Skipped[];
  /** Characters no embedded font has (printed as U+FFFD). */
  missingCharacters: string[];
}

type Skipped = { sopInstanceUid: string; frame: number; reason: string };

const seriesName = (s: Series): string => `Series ${s.seriesNumber ?? '—'}${s.description ? ` ${s.description}` : ''} (${s.modality || '—'})`;

/** The middle image of each series, for a report where none were chosen. */
function automaticKeyImages(study: CatalogStudy['patient']['studies'][number]): KeyImage[] {
  return study.series.flatMap((s) => {
    const middle = s.frames[Math.floor(s.frames.length / 2)];
    return middle ? [{ seriesKey: s.seriesInstanceUid, sopInstanceUid: middle.sopInstanceUid, frame: middle.frame ?? 1, window: null, caption: 'automatic: middle image of the series', png: null, view: 'stack' as const, slice: { number: Math.floor(s.frames.length / 2) + 1, count: s.frames.length } }] : [];
  });
}

export function createReportHandlers(deps: ReportHandlerDeps): DomainHandlers<typeof reportCalls> {
  const { store } = deps;
  const answer = (result: StoreResult<ReportVersion>) => (result.ok ? ok(result.value) : apiErrorOf(result.error));

  /** Key images as PNG with captions: stored PNGs as they are, render requests rendered now. */
  async function keyImagesOf(images: readonly KeyImage[], study: CatalogStudy['patient']['studies'][number], skipped: Skipped[]): Promise<ReportDocument['keyImages'][number][]> {
    const out: ReportDocument['keyImages'][number][] = [];
    for (const image of images) {
      const series = study.series.find((s) => s.seriesInstanceUid === image.seriesKey);
      const name = series ? seriesName(series) : `Series ${image.seriesKey}`;
      if (image.png) {
        out.push({ png: image.png, caption: keyImageCaption({ ...image, series: name }) });
        continue;
      }
      const instance = series?.instances.find((i) => i.sopInstanceUid === image.sopInstanceUid);
      if (!instance) {
        skipped.push({ sopInstanceUid: image.sopInstanceUid, frame: image.frame, reason: `not in the catalog's study ${study.studyInstanceUid} (import its files)` });
        continue;
      }
      const rendered = await deps.renderFile(instance.path, [image.frame], image.window ? { ...image.window, source: 'user' } : undefined);
      const frame = rendered.ok ? rendered.frames[0] : null;
      if (!rendered.ok || !frame || !frame.ok) {
        skipped.push({ sopInstanceUid: image.sopInstanceUid, frame: image.frame, reason: `${instance.path}: ${!rendered.ok ? rendered.reason : frame && !frame.ok ? frame.reason : 'no frame rendered'}` });
        continue;
      }
      out.push({ png: frame.png, caption: keyImageCaption({ caption: image.caption, series: name, sopInstanceUid: image.sopInstanceUid, frame: image.frame, window: frame.applied.window }) });
    }
    return out;
  }

  /** Everything the template prints, from the report version, the catalog and the store. */
  function tablesOf(report: ReportVersion, study: CatalogStudy['patient']['studies'][number]): StoreResult<Pick<ReportDocument, 'measurements' | 'segments'>> {
    return store.use((s) => {
      const measurements = new Map<string, MeasurementRecord>();
      for (const series of study.series) {
        const listed = s.listMeasurements(series.seriesInstanceUid);
        if (!listed.ok) return listed;
        for (const m of listed.value) measurements.set(m.id, m);
      }
      const rows: ReportDocument['measurements'][number][] = report.content.measurementIds.map((id) => {
        const m = measurements.get(id);
        return m ? measurementRow(m) : { label: id, kind: '—', value: 'deleted since the report cited it', image: '—' };
      });
      const segments: ReportDocument['segments'][number][] = [];
      for (const ref of report.content.segmentations) {
        const record = s.get(ref.segmentationId);
        if (!record.ok) return record;
        const versions = s.versions(ref.segmentationId);
        if (!versions.ok) return versions;
        const version = versions.value.find((v) => v.number === (ref.version ?? record.value.head.number));
        if (!version) return { ok: false, error: { kind: 'not_found', message: `segmentation ${ref.segmentationId} has no version ${ref.version}` } };
        segments.push(...segmentRows(`${record.value.name} (v${version.number}, ${record.value.provenance.role})`, version, record.value.spacingMm, ref.segments));
      }
      return { ok: true, value: { measurements: rows, segments } };
    });
  }

  /** The granted real path of an output (the catalog's checkGranted), refused in words naming the call. */
  function outputFile(call: string, p: string): Result<string> {
    const granted = deps.checkPath?.(p);
    if (granted && !granted.ok) return err('forbidden', `${call}: ${granted.error.message}`);
    return ok(granted?.ok ? granted.value : path.resolve(p));
  }

  /** The report (the newest version, or `version`) as PDF, one template for every export. */
  async function renderPdf(call: string, studyKey: string, version: number | undefined): Promise<Result<RenderedReport>> {
    const got = store.use((s) => s.reports.get(studyKey, version));
    if (!got.ok) return apiErrorOf(got.error);
    const report = got.value;
    if (!report) return err('not_found', `${call}: study ${studyKey} has no report${version ? ` version ${version}` : ''}; save a draft first`);
    const catalogStudy = deps.findStudy(studyKey);
    if (!catalogStudy) return err('bad_input', `${call}: study ${studyKey} is not in the catalog; import its files first (the report's header names the patient and study from them)`);
    const { patient } = catalogStudy;
    const study = patient.studies[0];

    const tables = tablesOf(report, study);
    if (!tables.ok) return apiErrorOf(tables.error);
    const skipped: Skipped[] = [];
    const chosen = report.content.keyImages.length > 0 ? report.content.keyImages : automaticKeyImages(study);
    const keyImages = await keyImagesOf(chosen, study, skipped);
    const document: ReportDocument = {
      header: { patientName: patient.patientName, patientId: patient.patientId, studyDate: study.studyDate, studyDescription: study.description, accessionNumber: study.accessionNumber, studyKey },
      version: { number: report.number, edition: report.edition, state: report.state, signature: report.signature, supersededBy: report.supersededBy },
      series: study.series.map((s) => ({ number: s.seriesNumber === null ? '—' : String(s.seriesNumber), modality: s.modality, description: s.description, images: s.frames.length })),
      findings: report.content.findings,
      impression: report.content.impression,
      aiItems: report.content.aiItems,
      keyImages,
      ...tables.value,
      scores: report.content.scores,
      generatedAt: new Date(deps.now?.() ?? Date.now()).toISOString(),
    };
    try {
      const rendered = await renderReport(document);
      return ok({ report, bytes: rendered.pdf, keyImages: keyImages.length, skipped, missingCharacters: rendered.missingCharacters });
    } catch (e) {
      if (e instanceof ReportPdfError) return err('bad_input', `${call}: study ${studyKey} version ${report.number}: ${e.message}`);
      throw e;
    }
  }

  return {
    'report.get': async ({ studyKey, version }) => {
      const got = store.use((s) => s.reports.get(studyKey, version));
      if (!got.ok) return apiErrorOf(got.error);
      if (version !== undefined && got.value === null) return err('not_found', `report.get: study ${studyKey} has no report version ${version}`);
      return ok({ report: got.value });
    },
    'report.saveDraft': async ({ studyKey, expectedVersion, content, note, author }) =>
      answer(store.use((s) => s.reports.saveDraft(studyKey, content, { expectedVersion, author: author ?? deps.defaultAuthor, ...(note ? { note } : {}) }))),
    'report.confirmAiItem': async ({ studyKey, expectedVersion, itemId, author }) =>
      answer(store.use((s) => s.reports.confirmAiItem(studyKey, itemId, { expectedVersion, author: author ?? deps.defaultAuthor }))),
    'report.sign': async ({ studyKey, expectedVersion, signer }) => answer(store.use((s) => s.reports.sign(studyKey, { expectedVersion, author: signer }))),
    'report.amend': async ({ studyKey, expectedVersion, reason, author }) =>
      answer(store.use((s) => s.reports.amend(studyKey, { expectedVersion, reason, author: author ?? deps.defaultAuthor }))),
    'report.versions': async ({ studyKey }) => {
      const listed = store.use((s) => s.reports.versions(studyKey));
      return listed.ok ? ok({ versions: listed.value }) : apiErrorOf(listed.error);
    },

    'report.exportPdf': async ({ studyKey, version, outPath, author }) => {
      const target = outputFile('report.exportPdf', outPath);
      if (!target.ok) return target;
      const existing = await stat(target.value).catch(() => null);
      if (existing?.isDirectory()) return err('bad_input', `report.exportPdf: ${target.value} is a folder; give the PDF file to write`);
      const rendered = await renderPdf('report.exportPdf', studyKey, version);
      if (!rendered.ok) return rendered;
      const { report, bytes, keyImages, skipped, missingCharacters } = rendered.value;
      try {
        await writeWhole(target.value, bytes);
      } catch (e) {
        return err('io_error', `report.exportPdf: cannot write ${target.value}: ${ioErrorText(e)}`);
      }
      const audited = store.use((s) => s.reports.recordExport(studyKey, report.number, author ?? deps.defaultAuthor, `PDF ${target.value}`));
      if (!audited.ok) return apiErrorOf(audited.error);
      return ok({ path: target.value, bytes: bytes.length, version: report.number, state: report.state, keyImages, skippedKeyImages: skipped, missingCharacters });
    },

    'report.exportDicom': async ({ studyKey, version, outDir, pdfOutPath, author }) => {
      if (!deps.dicom) return err('unsupported', 'report.exportDicom: this service was started without the DICOM writers');
      // Both destinations are checked before anything is rendered or written.
      const folder = outputFile('report.exportDicom', outDir);
      if (!folder.ok) return folder;
      const pdfTarget = pdfOutPath === undefined ? null : outputFile('report.exportDicom', pdfOutPath);
      if (pdfTarget && !pdfTarget.ok) return pdfTarget;
      if (pdfTarget && (await stat(pdfTarget.value).catch(() => null))?.isDirectory()) return err('bad_input', `report.exportDicom: ${pdfTarget.value} is a folder; give the PDF file to write`);

      const rendered = await renderPdf('report.exportDicom', studyKey, version);
      if (!rendered.ok) return rendered;
      const { report, bytes, keyImages, skipped, missingCharacters } = rendered.value;
      const who = author ?? deps.defaultAuthor;
      let pdf: { path: string; bytes: number } | null = null;
      if (pdfTarget) {
        try {
          await writeWhole(pdfTarget.value, bytes);
        } catch (e) {
          return err('io_error', `report.exportDicom: cannot write ${pdfTarget.value}: ${ioErrorText(e)}`);
        }
        pdf = { path: pdfTarget.value, bytes: bytes.length };
        const audited = store.use((s) => s.reports.recordExport(studyKey, report.number, who, `PDF ${pdfTarget.value}`));
        if (!audited.ok) return apiErrorOf(audited.error);
      }
      const written = await writeReportDicom(
        { ...deps.dicom, checkPath: (p) => deps.checkPath?.(p) ?? ok(path.resolve(p)) },
        { studyKey, pdf: bytes, pdfName: `the PDF of report version ${report.number}`, version: report.number, outDir: folder.value, author: who },
      );
      if (!written.ok) return written;
      const { files, measurements, skipped: leftOut } = written.value;
      const audited = store.use((s) => s.reports.recordExport(studyKey, report.number, who, `DICOM ${folder.value}: ${files.map((f) => path.basename(f.path)).join(', ')}`));
      if (!audited.ok) return apiErrorOf(audited.error);
      return ok({ version: report.number, state: report.state, files, measurements, skipped: leftOut, pdf, keyImages, skippedKeyImages: skipped, missingCharacters });
    },
  };
}
