// vesalius masks import|list: segmentations in the annotation store of the data home, through the contract.
import path from 'node:path';
import { describeOrigin } from '../core/annotations/model';
import type { MaskSetInfo } from '../core/contract/masks';
import { isSeriesKey } from '../core/contract/primitives';
import { UsageError, type CliCommand, type CliIo } from './command';
import { withDirectApi } from './direct';

const help = `Usage: vesalius masks import <file> [--series <key>] [--role expert|annotator|model] [--author NAME] [--json]
       vesalius masks list --series <key> [--json]

import  Stores a mask file (DICOM SEG, NIfTI .nii/.nii.gz, PNG) as a segmentation of a series in the
        annotation store of the data home (VESALIUS_HOME, default the platform's user data folder),
        with its provenance: the file, the role (default annotator) and the author (default your user
        name). A DICOM SEG finds its series by its references; a NIfTI or PNG needs --series (see
        vesalius studies for the keys), and that series' images must be imported first. The same
        file imported again with the same content gives the same segmentation, not a copy.
list    The stored segmentations of a series: id (what vesalius score takes), name, provenance,
        versions, ground-truth mark and segments.

  --json   one JSON document on stdout (import: { opened, errors }; list: { maskSets })

Exit status: 0 on success; 1 when the file could not be imported or the store could not be read;
2 for usage errors.
`;

interface MasksArgs {
  action: 'import' | 'list';
  file?: string;
  series?: string;
  role?: 'expert' | 'annotator' | 'model';
  author?: string;
  json: boolean;
}

function parseArgs(argv: string[]): MasksArgs | 'help' {
  const [action, ...rest] = argv;
  if (action === '--help' || action === '-h' || action === 'help') return 'help';
  if (action !== 'import' && action !== 'list') throw new UsageError(action ? `unknown action '${action}' (import or list)` : 'an action is required: import or list');
  const args: MasksArgs = { action, json: false };
  const valueOf = (i: number, flag: string): string => {
    const value = rest[i + 1];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    return value;
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--json') args.json = true;
    else if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--series') {
      const key = valueOf(i++, arg);
      if (!isSeriesKey(key)) throw new UsageError(`--series '${key}' is not a series key (a DICOM UID or derived:<24 hex digits>)`);
      args.series = key;
    } else if (arg === '--role') {
      const role = valueOf(i++, arg);
      if (role !== 'expert' && role !== 'annotator' && role !== 'model') throw new UsageError(`--role must be expert, annotator or model, not '${role}'`);
      args.role = role;
    } else if (arg === '--author') args.author = valueOf(i++, arg);
    else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
    else if (action === 'import' && args.file === undefined) args.file = arg;
    else throw new UsageError(`unexpected argument '${arg}'`);
  }
  if (action === 'import' && !args.file) throw new UsageError('import needs a mask file');
  if (action === 'list' && !args.series) throw new UsageError('list needs --series <key>');
  return args;
}

const provenanceText = (m: MaskSetInfo): string => {
  const { role, author, origin } = m.provenance;
  return `${role}, ${author}, ${describeOrigin(origin)}`;
};

function printMask(m: MaskSetInfo, io: CliIo): void {
  io.stdout(`${m.maskSetId}  ${m.name}\n`);
  io.stdout(`  series ${m.seriesInstanceUid}  ${m.shape.join('×')}  version ${m.headVersion} of ${m.versionCount}${m.groundTruth ? `  ground truth (marked by ${m.groundTruth.markedBy})` : ''}\n`);
  io.stdout(`  provenance: ${provenanceText(m)}\n`);
  io.stdout(`  segments: ${m.labels.map((l) => `${l.value} ${l.name ?? ''} (${l.voxelCount} voxels)`.replace(/ +\(/, ' (')).join(', ') || 'none'}\n`);
}

export const masksCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(help);
    return 0;
  }
  return withDirectApi('masks', io, async (api) => {
    if (args.action === 'list') {
      const listed = await api.call('masks.list', { seriesKey: args.series! });
      if (!listed.ok) {
        io.stderr(`vesalius masks list: ${listed.error.message}\n`);
        return 1;
      }
      if (args.json) io.stdout(JSON.stringify(listed.value, null, 2) + '\n');
      else if (listed.value.maskSets.length === 0) io.stdout(`No segmentations stored for series ${args.series} in ${api.home}\n`);
      else for (const m of listed.value.maskSets) printMask(m, io);
      return 0;
    }
    const file = path.resolve(args.file!);
    // A path given on the command line is the user's choice: grant it, as the app's file dialog does.
    api.service.catalog.grant([file], 'cli');
    const opened = await api.call('masks.open', {
      paths: [file],
      ...(args.series ? { seriesInstanceUid: args.series } : {}),
      ...(args.role ? { role: args.role } : {}),
      ...(args.author ? { author: args.author } : {}),
    });
    if (!opened.ok) {
      io.stderr(`vesalius masks import: ${opened.error.message}\n`);
      return 1;
    }
    if (args.json) io.stdout(JSON.stringify(opened.value, null, 2) + '\n');
    else for (const m of opened.value.opened) printMask(m, io);
    for (const e of opened.value.errors) io.stderr(`vesalius masks import: ${e.path}: ${e.reason}\n`);
    return opened.value.errors.length > 0 ? 1 : 0;
  });
};
