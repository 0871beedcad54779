// vesalius report: the PDF report of a study (imported first when given a folder) through the report.* calls.
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { importSummarySchema, type ImportSummary } from '../core/contract/dicom';
import type { MaskSetInfo } from '../core/contract/masks';
import { isSeriesKey } from '../core/contract/primitives';
import { isInside, realPathOf } from '../core/catalog/grants';
import { nonImageReason } from '../core/dicom/sop-class';
import { ioErrorText } from '../core/fs/io-error';
import { reportScoresCsv } from '../core/report/csv/report-scores-csv';
import { describeCharacter } from '../core/report/font-fallback';
import type { ReportContentInput, ScoreRow } from '../core/report/model';
import type { CallResult } from '../core/contract/index';
import { UsageError, type CliCommand, type CliIo } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { waitForJob, withDirectApi, type DirectApi } from './direct';
import { shown, terminalProgress } from './index-command';

const command = defineCommand({
  name: 'report',
  positionals: {
    synopsis: '<study key | dir>',
    min: 1,
    max: 1,
    missing: 'give a study key or a folder',
    tooMany: 'give one study key or folder',
    help: [
      [
        '<dir>',
        `a folder: imported first (as 'vesalius import' does), and the DICOM SEG files in it are
stored as segmentations of their series (as 'vesalius masks import' does); it must hold one study`,
      ],
      ['<study key>', "a study already in the catalog (see 'vesalius studies')"],
    ],
  },
  about: `Writes the report of a study as PDF (one template, as the app prints it): patient and study in the
header, state and signer and page numbers on every page, findings, impression, the assistant's texts
(each still unconfirmed one marked "AI draft — not a diagnosis"), key images, measurements, segment
volumes (ml) / areas (mm²) and scores against ground truth.`,
  options: {
    out: { kind: 'string', value: '<file.pdf>', required: 'the PDF file to write', help: 'the PDF to write (required)' },
    dicom: {
      kind: 'string',
      value: '<dir>',
      help: `also write the DICOM outputs into DIR (created when missing; not inside the input folder):
report.pdf.dcm (the PDF as Encapsulated PDF), one <segmentation name>.seg.dcm per stored
segmentation of the study's series that holds voxels, and measurements.sr.dcm (a TID 1500
measurement report: the study's measurements on their images, each ellipse / rectangle with
its area and the mean, SD, min and max of the pixels it encloses (HU on CT), and each SEG
segment's volume)`,
    },
    csv: {
      kind: 'string',
      value: '<file>',
      help: `also write the report's scores as CSV (RFC 4180): study, report_version, truth, prediction,
label, metric (Dice / IoU / …), value (empty: undefined)`,
    },
    version: { kind: 'int', min: 1, help: 'an older version of the report (read-only, shown as superseded)' },
    json: { kind: 'boolean', help: 'print what was written as one JSON document' },
  },
  notes: `When the study has no report yet, a draft is saved first from what the store knows: its measurements,
its segmentations (volumes, areas) and, where a series has a ground-truth segmentation, the Dice and IoU
of every other segmentation of that series against it. A stored report is printed as it is. Key images:
the report's own, else the middle image of each series, rendered with the file's window.
ROI statistics are computed from the image's modality values, decoded on a reader thread; where they
cannot be (a colour image, a file that cannot be decoded) the ROI keeps its area and the reason is listed.

Exit status: 0 when the PDF (and with --dicom its DICOM files) was written (key images and measurements
that could not be placed are listed); 1 when the import, the report, the PDF or a DICOM output failed;
2 for usage errors (and a --dicom folder inside the input folder).`,
});

interface ReportArgs {
  input: string;
  out: string;
  dicomDir: string | null;
  csv: string | null;
  version: number | null;
  json: boolean;
}

function parseArgs(argv: string[]): ReportArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  if (parsed === 'help') return 'help';
  const { out, dicom, csv, version, json } = parsed.values;
  return { input: parsed.positionals[0], out, dicomDir: dicom ?? null, csv: csv ?? null, version: version ?? null, json };
}

/** The import's reason for a DICOM SEG file: the files to store as segmentations. */
const segReasons = new Set(['1.2.840.10008.5.1.4.1.1.66.4', '1.2.840.10008.5.1.4.1.1.66.7'].map((uid) => nonImageReason(uid)));

/** Imports the folder and its SEG files; answers the one study key, or prints why not and answers null. */
async function importFolder(api: DirectApi, dir: string, io: CliIo): Promise<string | null> {
  const started = await api.call('dicom.startImport', { paths: [dir], how: 'cli' });
  if (!started.ok) return fail(io, started.error.message);
  const progress = terminalProgress(io, 'importing');
  let status;
  try {
    status = await waitForJob(api, started.value.jobId, progress.onProgress);
  } finally {
    progress.done();
  }
  if (!status.ok) return fail(io, status.error.message);
  const parsed = importSummarySchema.safeParse(status.value.result);
  if (status.value.state !== 'done' || !parsed.success) return fail(io, status.value.message ?? `the import of ${shown(dir)} ended ${status.value.state}`);
  const summary: ImportSummary = parsed.data;
  if (summary.studyKeys.length !== 1) {
    return fail(io, summary.studyKeys.length === 0 ? `${shown(dir)} holds no images of a study` : `${shown(dir)} holds ${summary.studyKeys.length} studies (${summary.studyKeys.join(', ')}); give one study key`);
  }
  const segFiles = summary.errors.filter((e) => e.code === 'not_an_image' && segReasons.has(e.reason)).map((e) => e.path);
  if (segFiles.length > 0) {
    const opened = await api.call('masks.open', { paths: segFiles });
    if (!opened.ok) return fail(io, opened.error.message);
    for (const e of opened.value.errors) io.stderr(`vesalius report: segmentation ${shown(e.path)} not stored: ${e.reason}\n`);
  }
  return summary.studyKeys[0];
}

function fail(io: CliIo, message: string): null {
  io.stderr(`vesalius report: ${message}\n`);
  return null;
}

/** Dice and IoU per label of every other segmentation of a series against its ground truth. */
async function scoresOf(api: DirectApi, maskSets: MaskSetInfo[], io: CliIo): Promise<ScoreRow[]> {
  const rows: ScoreRow[] = [];
  for (const truth of maskSets.filter((m) => m.groundTruth)) {
    for (const pred of maskSets.filter((m) => m !== truth && !m.groundTruth)) {
      const scored = await api.call('masks.score', { truthId: truth.maskSetId, predId: pred.maskSetId });
      if (!scored.ok) {
        io.stderr(`vesalius report: ${pred.name} not scored against ${truth.name}: ${scored.error.message}\n`);
        continue;
      }
      for (const label of scored.value.caseScore.labels) {
        const name = truth.labels.find((l) => l.value === label.label)?.name ?? String(label.label);
        rows.push({ truth: truth.name, prediction: pred.name, label: name, metric: 'Dice', value: label.dice });
        rows.push({ truth: truth.name, prediction: pred.name, label: name, metric: 'IoU', value: label.iou });
      }
    }
  }
  return rows;
}

/** A first draft from what the store knows about the study's series. */
async function assembledContent(api: DirectApi, seriesKeys: string[], io: CliIo): Promise<ReportContentInput | string> {
  const content = { measurementIds: [] as string[], segmentations: [] as { segmentationId: string }[], scores: [] as ScoreRow[] };
  for (const seriesKey of seriesKeys) {
    const measurements = await api.call('measurements.list', { seriesKey });
    if (!measurements.ok) return measurements.error.message;
    content.measurementIds.push(...measurements.value.measurements.map((m) => m.id));
    const masks = await api.call('masks.list', { seriesKey });
    if (!masks.ok) return masks.error.message;
    content.segmentations.push(...masks.value.maskSets.map((m) => ({ segmentationId: m.maskSetId })));
    content.scores.push(...(await scoresOf(api, masks.value.maskSets, io)));
  }
  return content;
}

export const reportCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  const isFolder = await stat(args.input).then((s) => s.isDirectory(), () => false);
  if (!isFolder && !isSeriesKey(args.input)) throw new UsageError(`'${args.input}' is neither a folder nor a study key (a DICOM UID or derived:<24 hex digits>)`);
  // Written into the folder being imported, the outputs would be imported next time as if they were the study's.
  if (isFolder && args.dicomDir && isInside(realPathOf(args.dicomDir), realPathOf(args.input))) {
    throw new UsageError(`--dicom ${args.dicomDir} is inside the input folder ${args.input}; choose a folder outside it`);
  }
  return withDirectApi('report', io, async (api) => {
    const studyKey = isFolder ? await importFolder(api, path.resolve(args.input), io) : args.input;
    if (!studyKey) return 1;
    const study = await api.call('catalog.study', { studyKey });
    if (!study.ok) return fail(io, study.error.message) ?? 1;

    let assembled = false;
    if (args.version === null) {
      const existing = await api.call('report.get', { studyKey });
      if (!existing.ok) return fail(io, existing.error.message) ?? 1;
      if (!existing.value.report) {
        const content = await assembledContent(api, study.value.patient.studies[0].series.map((s) => s.seriesInstanceUid), io);
        if (typeof content === 'string') return fail(io, content) ?? 1;
        const saved = await api.call('report.saveDraft', { studyKey, expectedVersion: 0, content, note: 'assembled by vesalius report' });
        if (!saved.ok) return fail(io, saved.error.message) ?? 1;
        assembled = true;
      }
    }

    const out = path.resolve(args.out);
    // The output path on the command line is the user's choice: grant exactly it, as a save dialog would.
    api.service.catalog.grant([out], 'cli');
    const version = args.version !== null ? { version: args.version } : {};
    let e: CallResult<'report.exportPdf'>;
    let dicom: CallResult<'report.exportDicom'> | null = null;
    if (args.dicomDir) {
      const dir = path.resolve(args.dicomDir);
      // The folder on the command line is the user's choice, as a folder picked in a dialog would be.
      api.service.catalog.grant([dir], 'cli');
      // One rendering for the PDF and its Encapsulated PDF, as the app's Export DICOM writes them.
      const written = await api.call('report.exportDicom', { studyKey, outDir: dir, pdfOutPath: out, ...version });
      if (!written.ok) return fail(io, written.error.message) ?? 1;
      dicom = written.value;
      const pdf = dicom.pdf!;
      e = { path: pdf.path, bytes: pdf.bytes, version: dicom.version, state: dicom.state, keyImages: dicom.keyImages, skippedKeyImages: dicom.skippedKeyImages, missingCharacters: dicom.missingCharacters };
    } else {
      const exported = await api.call('report.exportPdf', { studyKey, outPath: out, ...version });
      if (!exported.ok) return fail(io, exported.error.message) ?? 1;
      e = exported.value;
    }
    for (const s of e.skippedKeyImages) io.stderr(`vesalius report: key image ${s.sopInstanceUid} frame ${s.frame} left out: ${s.reason}\n`);
    if (e.missingCharacters.length) io.stderr(`vesalius report: no embedded font has ${e.missingCharacters.map(describeCharacter).join(', ')}; printed as \ufffd\n`);
    for (const s of dicom?.skipped ?? []) io.stderr(`vesalius report: ${s.what} left out of the SR: ${s.reason}\n`);

    let csvPath: string | null = null;
    if (args.csv) {
      const shownVersion = await api.call('report.get', { studyKey, version: e.version });
      if (!shownVersion.ok) return fail(io, shownVersion.error.message) ?? 1;
      csvPath = path.resolve(args.csv);
      try {
        await writeFile(csvPath, reportScoresCsv(studyKey, e.version, shownVersion.value.report?.content.scores ?? []));
      } catch (err) {
        return fail(io, `cannot write the CSV ${csvPath}: ${ioErrorText(err)}`) ?? 1;
      }
    }

    const dicomJson = dicom ? { files: dicom.files, measurements: dicom.measurements, skipped: dicom.skipped } : null;
    if (args.json) io.stdout(`${JSON.stringify({ studyKey, assembledDraft: assembled, ...e, ...(dicomJson ? { dicom: dicomJson } : {}), ...(csvPath ? { csv: csvPath } : {}) }, null, 2)}\n`);
    else {
      io.stdout(`Wrote ${e.path}: report of study ${studyKey}, version ${e.version} (${e.state}${assembled ? ', a draft assembled now' : ''}), ${e.keyImages} key image(s), ${e.bytes} bytes\n`);
      for (const f of dicom?.files ?? []) io.stdout(`Wrote ${f.path} (${f.kind === 'seg' ? 'DICOM SEG' : f.kind === 'sr' ? `measurement SR, ${dicom!.measurements} measurement(s)` : 'Encapsulated PDF'})\n`);
      if (csvPath) io.stdout(`Wrote ${csvPath} (the report's scores as CSV)\n`);
    }
    return 0;
  });
};
