// vesalius agree: agreement between the stored segmentations of a series, and their consensus saved to the store.
import type { Agreement } from '../core/contract/masks';
import { isSeriesKey } from '../core/contract/primitives';
import { UsageError, type CliCommand, type CliIo } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { withDirectApi } from './direct';

/** A series key, checked as it is read. */
function seriesKeyOption(text: string, flag: string): string {
  if (!isSeriesKey(text)) throw new UsageError(`${flag} '${text}' is not a series key (a DICOM UID or derived:<24 hex digits>)`);
  return text;
}

/** `a,b,...`: at least two segmentation ids. */
function idList(text: string, flag: string): string[] {
  const ids = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length < 2) throw new UsageError(`${flag} needs at least two segmentation ids, comma separated`);
  return ids;
}

const command = defineCommand({
  name: 'agree',
  about: `Agreement between annotators on one series: the stored segmentations of the series (all of them except
earlier consensus ones, or the ones --ids names) are compared with their segments matched by label
(case and spacing ignored). Prints, per label, the pairwise IoU and Dice matrices and each one's voxel
count, then the mean IoU and mean Dice over the labels either of a pair marked. The consensus is saved
as a new segmentation whose provenance lists its inputs and their versions; its id is printed. Running it
again with unchanged inputs and method answers the same consensus instead of saving another.`,
  options: {
    series: { kind: 'custom', parse: seriesKeyOption, value: '<key>', required: 'the series, see vesalius studies', help: 'the series (see vesalius studies)' },
    ids: { kind: 'custom', parse: idList, value: '<id>,<id>,...', help: 'compare only these segmentations (at least two)' },
    method: {
      kind: 'enum',
      values: ['majority', 'staple'],
      default: 'majority',
      help: 'how the consensus is made:',
      valueHelp: {
        majority: '(default) a voxel is in a structure where more than half of them mark it',
        staple: `STAPLE (Warfield 2004): each one's sensitivity and specificity estimated, and
a voxel kept where its probability of foreground is at least 0.5 (2 to 16 segmentations)`,
      },
    },
    noConsensus: { kind: 'boolean', help: 'print the matrices only; save nothing' },
    author: { kind: 'string', value: 'NAME', help: 'who saves the consensus (default: the OS user)' },
    json: { kind: 'boolean', help: 'one JSON document: { segmentations, labels: [{ label, voxelCounts, iou, dice }], meanIou, meanDice, consensus, raterEstimates }' },
  },
  notes: 'Exit status: 0 when scored; 1 when the series has fewer than two segmentations or one could not be read; 2 for usage errors.',
});

interface AgreeArgs {
  series: string;
  ids?: string[];
  consensus: boolean;
  method: 'majority-vote' | 'staple';
  author?: string;
  json: boolean;
}

function parseArgs(argv: string[]): AgreeArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  if (parsed === 'help') return 'help';
  const { series, ids, method, noConsensus, author, json } = parsed.values;
  return { series, ids, consensus: !noConsensus, method: method === 'staple' ? 'staple' : 'majority-vote', author, json };
}

const score = (v: number | null): string => (v === null ? '   –  ' : v.toFixed(4));

function printMatrix(title: string, names: string[], rows: (number | null)[][], io: CliIo): void {
  io.stdout(`  ${title}\n`);
  for (let i = 0; i < rows.length; i++) io.stdout(`    ${names[i].padEnd(24).slice(0, 24)} ${rows[i].map(score).join('  ')}\n`);
}

function printAgreement(result: Agreement, io: CliIo): void {
  const names = result.segmentations.map((s, i) => `[${i + 1}] ${s.name}`);
  io.stdout('Segmentations:\n');
  result.segmentations.forEach((s, i) => io.stdout(`  [${i + 1}] ${s.maskSetId}  ${s.name}  (version ${s.version}, ${s.role}, ${s.author})\n`));
  for (const label of result.labels) {
    io.stdout(`\n${label.label}: voxels ${label.voxelCounts.join(' / ')}\n`);
    printMatrix('IoU', names, label.iou, io);
    printMatrix('Dice', names, label.dice, io);
  }
  io.stdout('\nMean over labels\n');
  printMatrix('mIoU', names, result.meanIou, io);
  printMatrix('mean Dice', names, result.meanDice, io);
  for (const estimate of result.raterEstimates ?? []) {
    io.stdout(`\nSTAPLE estimates, ${estimate.label}\n`);
    result.segmentations.forEach((_, i) => io.stdout(`  ${names[i].padEnd(24).slice(0, 24)} sensitivity ${estimate.sensitivity[i].toFixed(4)}  specificity ${estimate.specificity[i].toFixed(4)}\n`));
  }
  if (result.consensus) io.stdout(`\nConsensus: ${result.consensus.maskSetId}  ${result.consensus.name}\n`);
}

export const agreeCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  return withDirectApi('agree', io, async (api) => {
    const result = await api.call('masks.agree', {
      seriesKey: args.series,
      consensus: args.consensus,
      method: args.method,
      ...(args.ids ? { maskSetIds: args.ids } : {}),
      ...(args.author ? { author: args.author } : {}),
    });
    if (!result.ok) {
      io.stderr(`vesalius agree: ${result.error.message}\n`);
      return 1;
    }
    if (args.json) io.stdout(JSON.stringify(result.value, null, 2) + '\n');
    else printAgreement(result.value, io);
    return 0;
  });
};
