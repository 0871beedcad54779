import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImportError, ImportResult, Instance, Patient } from '../core/contract/dicom';
import { FileRegistry } from '../core/dicom/file-registry';
import { indexPaths } from '../core/dicom/indexer';
import { sharedHeaderSandbox } from '../core/sandbox/header-sandbox';
import { transferSyntaxName } from '../core/dicom/transfer-syntax';
import type { CliCommand, CliIo } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';

const command = defineCommand({
  name: 'index',
  positionals: { synopsis: '<path>...', min: 1, max: Infinity, missing: 'give at least one file or folder to index' },
  about: `Indexes DICOM files and folders (recursively) by their headers, and prints the study tree
(patient → study → series → instances, slices in position order) and every file that was not
imported, with the reason. Every file found appears exactly once: as an instance or as an error.`,
  options: {
    json: { kind: 'boolean', help: 'print one JSON document on stdout: { patients, errors, fileCount }' },
  },
  notes: `Exit status: 0 when indexing ran (even if files were rejected); 2 for usage errors or a path
that does not exist.`,
});

interface IndexArgs {
  paths: string[];
  json: boolean;
}

function parseArgs(argv: string[]): IndexArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  return parsed === 'help' ? 'help' : { paths: parsed.positionals, json: parsed.values.json };
}

/** The JSON document: the import result without file keys (they only mean something inside one process). */
type PublicInstance = Omit<Instance, 'fileKey'>;
function withoutFileKeys(result: ImportResult): unknown {
  return {
    patients: result.patients.map((patient) => ({
      ...patient,
      studies: patient.studies.map((study) => ({
        ...study,
        series: study.series.map((series) => ({
          ...series,
          instances: series.instances.map(({ fileKey: _fileKey, ...instance }): PublicInstance => instance),
          frames: series.frames.map(({ fileKey: _fileKey, ...frame }) => frame),
        })),
      })),
    })),
    errors: result.errors,
    fileCount: result.fileCount,
  };
}

export const shown = (p: string): string => {
  const relative = path.relative(process.cwd(), p);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : p;
};

const orDash = (text: string): string => text || '—';

function formatTree(patients: Patient[]): string[] {
  const lines: string[] = [];
  for (const patient of patients) {
    lines.push(`Patient ${orDash(patient.patientName)} (ID ${orDash(patient.patientId)})`);
    for (const study of patient.studies) {
      lines.push(`  Study ${orDash(study.studyDate)} ${study.description ? `"${study.description}" ` : ''}[${study.studyInstanceUid}]`);
      for (const series of study.series) {
        const first = series.instances[0];
        const frames = series.frames.length;
        const size = first ? `${first.columns}×${first.rows}` : '';
        const syntaxes = [...new Set(series.instances.map((i) => transferSyntaxName(i.transferSyntaxUid)))].join(', ');
        lines.push(
          `    Series ${series.seriesNumber ?? '—'} ${orDash(series.modality)} ${series.description ? `"${series.description}" ` : ''}` +
            `— ${series.instances.length} instance(s), ${frames} frame(s), ${size}, ${syntaxes}`,
        );
        if (first) lines.push(`      first: ${shown(first.path)}`);
      }
    }
  }
  return lines;
}

export function formatErrors(errors: ImportError[]): string[] {
  if (errors.length === 0) return [];
  const byCode = new Map<string, ImportError[]>();
  for (const error of errors) byCode.set(error.code, [...(byCode.get(error.code) ?? []), error]);
  const lines = ['', `Not imported (${errors.length}):`];
  for (const [code, list] of [...byCode.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${code} (${list.length})`);
    for (const error of list) lines.push(`    ${shown(error.path)}: ${error.reason}`);
  }
  return lines;
}

function formatSummary(result: ImportResult): string {
  const series = result.patients.flatMap((p) => p.studies.flatMap((s) => s.series));
  const instances = series.reduce((sum, s) => sum + s.instances.length, 0);
  const head =
    `Indexed ${result.fileCount} file(s): ${instances} instance(s) in ${series.length} series` +
    ` of ${result.patients.length} patient(s); ${result.errors.length} not imported.`;
  return [head, '', ...formatTree(result.patients), ...formatErrors(result.errors)].join('\n') + '\n';
}

/** Progress on a terminal only, at most ten updates a second, erased when done. */
export function terminalProgress(io: CliIo, verb = 'indexing'): { onProgress?: (processed: number, total: number) => void; done: () => void } {
  if (!process.stderr.isTTY) return { done: () => undefined };
  let last = 0;
  return {
    onProgress: (processed, total) => {
      const now = Date.now();
      if (now - last < 100 && processed < total) return;
      last = now;
      io.stderr(`\r${verb} ${processed}/${total}`);
    },
    done: () => io.stderr('\r\x1b[K'),
  };
}

export const indexCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  for (const p of args.paths) {
    try {
      await stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      io.stderr(`vesalius index: cannot access '${p}': ${code === 'ENOENT' ? 'no such file or directory' : code}\n`);
      return 2;
    }
  }
  const progress = terminalProgress(io);
  let result: ImportResult;
  try {
    result = await indexPaths(args.paths, { registry: new FileRegistry(), onProgress: progress.onProgress, headerReader: sharedHeaderSandbox() });
  } finally {
    progress.done();
  }
  io.stdout(args.json ? `${JSON.stringify(withoutFileKeys(result), null, 2)}\n` : formatSummary(result));
  return 0;
};
