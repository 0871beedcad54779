// vesalius masks import|list|export: segmentations in the annotation store of the data home, through the contract.
import path from 'node:path';
import { describeOrigin } from '../core/annotations/model';
import { segmentationIdSchema, type MaskSetInfo } from '../core/contract/masks';
import { isSeriesKey } from '../core/contract/primitives';
import { UsageError, type CliCommand, type CliIo } from './command';
import { defineCommand, helpText, parseCommandLine, usageLines } from './options';
import { withDirectApi } from './direct';

/** A series key, checked as it is read. */
function seriesKeyOption(text: string, flag: string): string {
  if (!isSeriesKey(text)) throw new UsageError(`${flag} '${text}' is not a series key (a DICOM UID or derived:<24 hex digits>)`);
  return text;
}

const series = { kind: 'custom', parse: seriesKeyOption, value: '<key>', help: 'the series (see vesalius studies for the keys)' } as const;
const role = { kind: 'enum', values: ['expert', 'annotator', 'model'], help: 'the provenance role of the imported mask (default annotator)' } as const;
const author = { kind: 'string', value: 'NAME', help: 'the author (default your user name)' } as const;
const json = {
  kind: 'boolean',
  help: 'one JSON document on stdout (import: { opened, errors }; list: { maskSets }; export: what was written)',
} as const;
const format = { kind: 'enum', values: ['seg', 'nifti'], required: true, help: '(export) a DICOM SEG, or a NIfTI .nii.gz label map' } as const;
const out = { kind: 'string', value: '<file>', required: 'the file to write', help: '(export) the file to write' } as const;
const segments = { kind: 'custom', parse: segmentList, value: '1,2', help: '(export) the segment numbers to write (default: all)' } as const;

// One table per action; --series, --role and --author are read by every action, as before.
const importCommand = defineCommand({
  name: 'masks import',
  positionals: { synopsis: '<file>', min: 1, max: 1, missing: 'import needs a mask file' },
  about: '',
  options: { series, role, author, json },
});
const listCommand = defineCommand({
  name: 'masks list',
  synopsis: ['vesalius masks list --series <key> [--json]'],
  about: '',
  options: { series: { ...series, required: 'the series whose segmentations to list' }, role, author, json },
});
const exportCommand = defineCommand({
  name: 'masks export',
  synopsis: ['vesalius masks export <segmentation id> --format seg|nifti --out <file> [--segments 1,2] [--author NAME] [--json]'],
  positionals: { synopsis: '<segmentation id>', min: 1, max: 1, missing: 'export needs a segmentation id' },
  about: '',
  options: { format, out, segments, series, role, author, json },
});

/** `masks --help`: the three forms, and every option of the three tables. */
const helpCommand = defineCommand({
  name: 'masks',
  synopsis: [...usageLines(importCommand), ...usageLines(listCommand), ...usageLines(exportCommand)],
  about: `import  Stores a mask file (DICOM SEG, NIfTI .nii/.nii.gz, PNG) as a segmentation of a series in the
        annotation store of the data home (VESALIUS_HOME, default the platform's user data folder),
        with its provenance: the file, the role (default annotator) and the author (default your user
        name). A DICOM SEG finds its series by its references; a NIfTI or PNG needs --series (see
        vesalius studies for the keys), and that series' images must be imported first. The same
        file imported again with the same content gives the same segmentation, not a copy.
list    The stored segmentations of a series: id (what vesalius score takes), name, provenance,
        versions, ground-truth mark and segments.
export  Writes a segmentation's newest version to --out: seg, a binary DICOM SEG referencing the
        series' images (segment labels, colours, codes, MANUAL/SEMIAUTOMATIC/AUTOMATIC from its
        provenance); or nifti, a .nii.gz label map (value = segment number) on the series' grid,
        which refuses overlapping segments. --segments picks segment numbers (default: all). The
        series' images must be in the catalog. The export is recorded in the store's audit log.`,
  options: { series, role, author, format, out, segments, json },
  notes: `Exit status: 0 on success; 1 when the file could not be imported or written or the store could not be read;
2 for usage errors.`,
});

interface MasksArgs {
  action: 'import' | 'list' | 'export';
  file?: string;
  segmentationId?: string;
  format?: 'seg' | 'nifti';
  out?: string;
  segments?: number[];
  series?: string;
  role?: 'expert' | 'annotator' | 'model';
  author?: string;
  json: boolean;
}

function parseArgs(argv: string[]): MasksArgs | 'help' {
  const [action, ...rest] = argv;
  if (action === '--help' || action === '-h' || action === 'help') return 'help';
  if (action === 'import') {
    const parsed = parseCommandLine(importCommand, rest);
    return parsed === 'help' ? 'help' : { action, file: parsed.positionals[0], ...parsed.values };
  }
  if (action === 'list') {
    const parsed = parseCommandLine(listCommand, rest);
    return parsed === 'help' ? 'help' : { action, ...parsed.values };
  }
  if (action === 'export') {
    const parsed = parseCommandLine(exportCommand, rest);
    if (parsed === 'help') return 'help';
    const [id] = parsed.positionals;
    if (!segmentationIdSchema.safeParse(id).success) throw new UsageError(`'${id}' is not a segmentation id (seg- and 16 hex digits; see vesalius masks list)`);
    return { action, segmentationId: id, ...parsed.values };
  }
  throw new UsageError(action ? `unknown action '${action}' (import, list or export)` : 'an action is required: import, list or export');
}

/** "1,2,5" → [1, 2, 5]; anything else is a usage error naming the bad part. */
function segmentList(text: string, flag: string): number[] {
  return text.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 1 || n > 65535 || part.trim() === '') throw new UsageError(`${flag} '${text}': '${part}' is not a segment number (1…65535)`);
    return n;
  });
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
    io.stdout(helpText(helpCommand));
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
    if (args.action === 'export') {
      const out = path.resolve(args.out!);
      // The output path on the command line is the user's choice: grant exactly it, as a save dialog would.
      api.service.catalog.grant([out], 'cli');
      const exported = await api.call('masks.export', {
        maskSetId: args.segmentationId!,
        format: args.format!,
        outPath: out,
        ...(args.segments ? { segments: args.segments } : {}),
        ...(args.author ? { author: args.author } : {}),
      });
      if (!exported.ok) {
        io.stderr(`vesalius masks export: ${exported.error.message}\n`);
        return 1;
      }
      const e = exported.value;
      if (args.json) io.stdout(JSON.stringify(e, null, 2) + '\n');
      else {
        const kind = e.format === 'seg' ? `DICOM SEG (${e.frameCount} frames, SOP instance ${e.sopInstanceUid})` : 'NIfTI label map';
        io.stdout(`Wrote ${e.path}: ${kind}, ${e.bytes} bytes, version ${e.version} of ${args.segmentationId}\n`);
        for (const s of e.segments) io.stdout(`  segment ${s.number}${s.fileNumber !== s.number ? ` (SegmentNumber ${s.fileNumber} in the file)` : ''}: ${s.voxelCount} voxels\n`);
      }
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
