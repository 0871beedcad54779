import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { summarizeDataset } from '../core/metrics/segmentation';
import type { CaseScore, EmptyRule } from '../core/metrics/types';
import { scoreMaskFiles, scoreMaskFolders, type DatasetScore } from '../core/masks/score-pairs';
import { sharedReaderSandbox } from '../core/sandbox/reader-sandbox';
import { maskSetIdSchema } from '../core/contract/masks';
import { ioErrorText } from '../core/fs/io-error';
import { scoreFileText, storedPairRun } from '../core/report/score-file';
import { UsageError, type CliCommand, type CliIo } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { openDirectApi } from './direct';

const command = defineCommand({
  name: 'score',
  about: `Scores predicted segmentation masks against truth masks: IoU, Dice, precision, recall and
volumes per label, mIoU per case, and mean / median / min / max mIoU over a dataset.`,
  options: {
    truth: {
      kind: 'string',
      value: '<segmentation id|file|dir>',
      required: true,
      help: `truth mask file, a folder of them, or a stored segmentation id (seg-…,
see vesalius masks list) from the annotation store of VESALIUS_HOME`,
    },
    pred: {
      kind: 'string',
      value: '<segmentation id|file|dir>',
      required: true,
      help: 'predicted mask file, folder or stored segmentation id (same kind as --truth)',
    },
    json: { kind: 'boolean', help: 'print one JSON document on stdout instead of a table' },
    csv: {
      kind: 'string',
      value: '<file>',
      help: `also write the scores as CSV (RFC 4180, UTF-8, CRLF): a row per case and
label (row=label: case, label, iou, dice, precision, recall, truth_voxels,
pred_voxels, truth_ml, pred_ml), a row per case (row=case: iou = mIoU,
dice = mean Dice), per-label means (row=dataset-label) and the dataset's
mIoU mean / median / min / max (row=dataset-…); an empty cell is an undefined
score (null in JSON); a name starting with = + - @ TAB or CR gets a leading '
(a spreadsheet shows it rather than running it as a formula). The app's
Scoring dock writes the same file (Export CSV / Export JSON)`,
    },
    empty: {
      kind: 'enum',
      values: ['one', 'skip'],
      default: 'one',
      help: `a case with no foreground in truth or prediction scores mIoU 1 ('one',
the default) or is left out of the means ('skip')`,
    },
  },
  notes: `Mask files: PNG (8/16-bit grayscale, value = label), NIfTI (.nii, .nii.gz) and DICOM SEG
(label = SegmentNumber; when both sides are SEGs, each segment is scored on its own mask, so
overlapping segments are counted for each). Formats are recognised by content.
Folders are searched recursively and paired by relative path and file stem, whatever the
extension (case1.png pairs with case1.nii.gz); files present on one side only are listed.
Masks are compared voxel by voxel and never resampled: shapes must match.

Exit status: 0 when every pair was scored; 1 when any pair failed (unreadable file, shape
mismatch, ambiguous file stem; each listed under "errors" with both files), when any truth
case has no prediction (listed under "only_in_truth"; a prediction without truth is listed
under "only_in_pred" but does not fail), or nothing could be paired; 2 for usage errors.`,
});

interface ScoreArgs {
  truth: string;
  pred: string;
  json: boolean;
  csv: string | null;
  emptyRule: EmptyRule;
}

function parseArgs(argv: string[]): ScoreArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  if (parsed === 'help') return 'help';
  const { truth, pred, json, csv, empty } = parsed.values;
  return { truth, pred, json, csv: csv ?? null, emptyRule: empty };
}

async function kindOf(flag: string, p: string): Promise<'file' | 'dir'> {
  try {
    const s = await stat(p);
    if (s.isDirectory()) return 'dir';
    if (s.isFile()) return 'file';
  } catch {
    throw new UsageError(`${flag} ${p}: no such file or folder`);
  }
  throw new UsageError(`${flag} ${p}: neither a file nor a folder`);
}

async function scoreSinglePair(args: ScoreArgs): Promise<DatasetScore> {
  const cases: DatasetScore['cases'] = [];
  const errors: DatasetScore['errors'] = [];
  try {
    // Read on reader threads (core/sandbox): a file that hangs or exhausts a reader fails alone.
    const score = await scoreMaskFiles(args.truth, args.pred, { emptyRule: args.emptyRule, name: args.truth, readMask: sharedReaderSandbox().readMask });
    cases.push({ truthPath: args.truth, predPath: args.pred, score });
  } catch (e) {
    errors.push({ truth: args.truth, pred: args.pred, message: e instanceof Error ? e.message : String(e) });
  }
  const summary = summarizeDataset(
    cases.map((c) => c.score),
    args.emptyRule,
  );
  return { cases, summary, onlyInTruth: [], onlyInPred: [], errors, ignored: [] };
}

const progressMinCases = 10;

const isStoredId = (value: string): boolean => maskSetIdSchema.safeParse(value).success;

/** Two stored segmentations scored through the contract (masks.score), in the file pair's result shape. */
async function scoreStoredPair(args: ScoreArgs, io: CliIo): Promise<DatasetScore | null> {
  let api;
  try {
    api = await openDirectApi();
  } catch (e) {
    io.stderr(`vesalius score: ${e instanceof Error ? e.message : String(e)}\n`);
    return null;
  }
  try {
    const scored = await api.call('masks.score', { truthId: args.truth, predId: args.pred, emptyRule: args.emptyRule });
    return storedPairRun(args.truth, args.pred, args.emptyRule, scored.ok ? { ok: true, caseScore: scored.value.caseScore } : { ok: false, message: scored.error.message });
  } finally {
    await api.close();
  }
}

export const scoreCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  if (isStoredId(args.truth) || isStoredId(args.pred)) {
    if (!isStoredId(args.truth) || !isStoredId(args.pred)) {
      throw new UsageError('give two stored segmentation ids, or two files or folders; to score a file against a stored segmentation, import it first (vesalius masks import)');
    }
    const stored = await scoreStoredPair(args, io);
    if (!stored) return 1;
    if (args.json) io.stdout(scoreFileText(stored, 'json', ''));
    else printTable(stored, '', io);
    for (const e of stored.errors) io.stderr(`vesalius score: ${e.message}\n`);
    const csvWritten = await writeCsv(args.csv, stored, '', io);
    return stored.errors.length > 0 || !csvWritten ? 1 : 0;
  }
  const [truthKind, predKind] = [await kindOf('--truth', args.truth), await kindOf('--pred', args.pred)];
  if (truthKind !== predKind) {
    throw new UsageError(`--truth is a ${truthKind === 'dir' ? 'folder' : 'file'} but --pred is a ${predKind === 'dir' ? 'folder' : 'file'}; give two files or two folders`);
  }

  let result: DatasetScore;
  if (truthKind === 'file') {
    result = await scoreSinglePair(args);
  } else {
    const showProgress = process.stderr.isTTY === true;
    result = await scoreMaskFolders(args.truth, args.pred, {
      emptyRule: args.emptyRule,
      readMask: sharedReaderSandbox().readMask,
      onProgress: showProgress
        ? (done, total) => {
            if (total >= progressMinCases) io.stderr(`\rscoring ${done}/${total}${done === total ? '\n' : ''}`);
          }
        : undefined,
    });
  }

  const truthRoot = truthKind === 'dir' ? args.truth : path.dirname(args.truth);
  if (args.json) io.stdout(scoreFileText(result, 'json', truthRoot));
  else printTable(result, truthRoot, io);
  const csvWritten = await writeCsv(args.csv, result, truthRoot, io);

  if (result.cases.length === 0 && result.errors.length === 0 && result.onlyInTruth.length === 0) {
    io.stderr('vesalius score: no mask pairs found to score\n');
    return 1;
  }
  // A truth case without a prediction would otherwise drop out of the means unnoticed and flatter the score.
  if (result.onlyInTruth.length > 0) {
    const n = result.onlyInTruth.length;
    io.stderr(
      `vesalius score: ${n} truth case${n === 1 ? ' has' : 's have'} no prediction in ${args.pred}:\n` +
        result.onlyInTruth.map((rel) => `  ${path.join(args.truth, rel)}\n`).join(''),
    );
  }
  return result.errors.length > 0 || result.onlyInTruth.length > 0 || !csvWritten ? 1 : 0;
};

/** Writes the CSV of the scores when --csv asked for it (case names as the table shows them); false, said on stderr, when it cannot be written. */
async function writeCsv(file: string | null, result: DatasetScore, truthRoot: string, io: CliIo): Promise<boolean> {
  if (file === null) return true;
  try {
    await writeFile(file, scoreFileText(result, 'csv', truthRoot));
    return true;
  } catch (e) {
    io.stderr(`vesalius score: cannot write the CSV ${file}: ${ioErrorText(e)}\n`);
    return false;
  }
}

// A table stays readable; a mask with thousands of labels (often an image given by mistake) is cut short.
const maxTableLabels = 20;

const fixed = (v: number | null): string => (v === null ? '—' : v.toFixed(4));

function printTable(result: DatasetScore, truthRoot: string, io: CliIo): void {
  const rows: string[][] = [['case', 'label', 'IoU', 'Dice', 'truth vox', 'pred vox', 'case mIoU']];
  for (const { score } of result.cases) rows.push(...caseRows(score, path.relative(truthRoot, score.name) || score.name));
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) io.stdout(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd() + '\n');

  const s = result.summary;
  io.stdout(
    `\n${s.scoredCaseCount} of ${s.caseCount} cases in the means (empty rule '${s.emptyRule}')\n` +
      `mIoU mean ${fixed(s.miou.mean)}  median ${fixed(s.miou.median)}  min ${fixed(s.miou.min)}  max ${fixed(s.miou.max)}  mean Dice ${fixed(s.meanDice)}\n`,
  );
  for (const p of s.perLabel.slice(0, maxTableLabels)) io.stdout(`  label ${p.label}: mean IoU ${fixed(p.meanIou)}  mean Dice ${fixed(p.meanDice)}  over ${p.cases} case(s)\n`);
  if (s.perLabel.length > maxTableLabels) io.stdout(`  … and ${s.perLabel.length - maxTableLabels} more labels (all of them with --json)\n`);
  const list = (title: string, items: string[]) => {
    if (items.length) io.stdout(`${title} (${items.length}):\n${items.map((i) => `  ${i}\n`).join('')}`);
  };
  list('only in truth', result.onlyInTruth);
  list('only in pred', result.onlyInPred);
  list('ignored (not a mask file)', result.ignored);
  list('errors', result.errors.map((e) => e.message));
}

function caseRows(score: CaseScore, name: string): string[][] {
  if (score.labels.length === 0) return [[name, '(empty)', '', '', '0', '0', fixed(score.miou)]];
  const rows = score.labels.slice(0, maxTableLabels).map((l, i) => [i === 0 ? name : '', String(l.label), fixed(l.iou), fixed(l.dice), String(l.truthVoxels), String(l.predVoxels), i === 0 ? fixed(score.miou) : '']);
  if (score.labels.length > maxTableLabels) rows.push(['', `… ${score.labels.length - maxTableLabels} more labels`, '', '', '', '', '']);
  return rows;
}
