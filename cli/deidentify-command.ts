import { stat } from 'node:fs/promises';
import { ioErrorText } from '../core/fs/io-error';
import { DeidOutputError, deidentifyFiles, type DeidExportReport } from '../core/report/deid/export-files';
import { deidOptions, optionCodes, optionConflict, type DeidOption } from '../core/report/deid/method-codes';
import { UsageError, type CliCommand } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { shown } from './index-command';

const code = (option: DeidOption): string => optionCodes[option].value;

/** What each --option keeps or changes, with its CID 7050 code in brackets (as De-identification Method names it). */
const optionHelp: Record<DeidOption, string> = {
  'retain-safe-private': `keep the few private attributes known to be safe (${code('retain-safe-private')})`,
  'retain-uids': `keep the UIDs (${code('retain-uids')})`,
  'retain-device-identity': `keep device serial numbers, station names, … (${code('retain-device-identity')})`,
  'retain-institution-identity': `keep the institution's name, address, department and code,
and clinical trial site and centre names (${code('retain-institution-identity')}); its
people (physicians, operators) are still removed`,
  'retain-patient-characteristics': `keep sex, age, size, weight, … (${code('retain-patient-characteristics')})`,
  'retain-full-dates': `keep every date and time of the study as it is (${code('retain-full-dates')});
birth date is still removed; not with modified-dates`,
  'modified-dates': `shift dates by a per-patient number of days instead of
removing them; times kept (${code('modified-dates')})`,
  'clean-descriptions': `keep descriptions, protocol names and comments, with every
name, ID, institution and date the export removes (from
any of its files) cut out (${code('clean-descriptions')}). It cannot find a name
that appears only in free text: review such texts, or
leave this option out so they are removed`,
};

const command = defineCommand({
  name: 'deidentify',
  positionals: {
    synopsis: '<file|dir>...',
    min: 1,
    max: Infinity,
    missing: 'give the DICOM files or folders to de-identify',
    help: [['<file|dir>', 'DICOM files and folders; other files are reported and skipped']],
  },
  about: `Writes a de-identified copy of every DICOM file under the inputs, following DICOM PS3.15 Annex E, the
Basic Application Level Confidentiality Profile: every attribute of its table gets its action, through
every sequence; all private attributes are removed; names, IDs, dates, addresses, institution,
physicians, accession, descriptions, requests and comments are removed or replaced; UIDs are replaced
consistently across the whole export (a series stays one series, a SEG still points at its images).
Patient Identity Removed = YES, De-identification Method and its Code Sequence (CID 7050) are added.
Pixel data and the transfer syntax are kept; images with Burned In Annotation YES (or secondary
captures and ultrasound without it) are flagged, since text in the pixels is not cleaned.`,
  options: {
    out: {
      kind: 'string',
      value: 'DIR',
      required: 'the folder the de-identified files go to',
      help: `the output folder (must lie outside every input): one file per input DICOM file at
the same relative path (with several inputs, a folder per input, named after it)`,
    },
    option: {
      kind: 'enums',
      values: deidOptions,
      valueHelp: optionHelp,
      value: 'NAME',
      help: `add an option (repeat, or separate with commas); each is named in De-identification
Method and coded in its Code Sequence (CID 7050, in brackets):`,
    },
    json: { kind: 'boolean', help: 'print one JSON document: { outDir, options, files: [{ source, output, actions, flags }], skipped, failed }' },
  },
  notes: `Exit status: 0 when every DICOM file was de-identified (files that are not DICOM are skipped and listed);
1 when any file could not be; 2 for usage errors, an input that does not exist, or an output inside an input.`,
});

interface DeidArgs {
  inputs: string[];
  out: string;
  options: DeidOption[];
  json: boolean;
}

function parseArgs(argv: string[]): DeidArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  if (parsed === 'help') return 'help';
  const { out, option: options, json } = parsed.values;
  const conflict = optionConflict(options);
  if (conflict) throw new UsageError(conflict);
  return { inputs: parsed.positionals, out, options, json };
}

const ACTION_WORDS: Array<[keyof DeidExportReport['files'][number]['actions'], string]> = [
  ['removed', 'removed'],
  ['emptied', 'emptied'],
  ['dummied', 'dummy values'],
  ['pseudonymised', 'pseudonyms'],
  ['uidsReplaced', 'UIDs replaced'],
  ['datesShifted', 'dates shifted'],
  ['cleaned', 'cleaned'],
  ['sequencesEmptied', 'sequences emptied'],
  ['privateRemoved', 'private removed'],
  ['privateKept', 'private kept'],
];

function formatReport(report: DeidExportReport): string {
  const lines: string[] = [];
  for (const f of report.files) {
    const counts = ACTION_WORDS.filter(([key]) => f.actions[key] > 0).map(([key, words]) => `${f.actions[key]} ${words}`);
    lines.push(`${shown(f.source)} → ${shown(f.output)} (${counts.join(', ')})`);
    for (const flag of f.flags) lines.push(`  flagged: ${flag.reason}`);
  }
  if (report.failed.length > 0) {
    lines.push('', `Not de-identified (${report.failed.length}):`);
    for (const f of report.failed) lines.push(`  ${shown(f.source)}: ${f.reason}`);
  }
  if (report.skipped.length > 0) {
    lines.push('', `Skipped (${report.skipped.length}):`);
    for (const s of report.skipped) lines.push(`  ${shown(s.source)}: ${s.reason}`);
  }
  const flagged = report.files.filter((f) => f.flags.length > 0).length;
  const options = report.options.length > 0 ? ` with ${report.options.join(', ')}` : '';
  lines.push('', `${report.files.length} file(s) de-identified into ${shown(report.outDir)}${options}; ${flagged} flagged; ${report.failed.length} failed; ${report.skipped.length} skipped.`);
  return lines.join('\n') + '\n';
}

export const deidentifyCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  for (const input of args.inputs) {
    try {
      await stat(input);
    } catch (e) {
      io.stderr(`vesalius deidentify: cannot access '${input}': ${ioErrorText(e)}\n`);
      return 2;
    }
  }
  let report: DeidExportReport;
  try {
    report = await deidentifyFiles(args.inputs, args.out, args.options);
  } catch (e) {
    if (!(e instanceof DeidOutputError)) throw e;
    io.stderr(`vesalius deidentify: ${e.message}\n`);
    return 2;
  }
  io.stdout(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.failed.length > 0 ? 1 : 0;
};
