import path from 'node:path';
import { importSummarySchema, type ImportSummary } from '../core/contract/dicom';
import type { CliCommand } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { waitForJob, withDirectApi, type DirectApi } from './direct';
import { formatErrors, shown, terminalProgress } from './index-command';

const command = defineCommand({
  name: 'import',
  positionals: { synopsis: '<path>...', min: 1, max: Infinity, missing: 'give at least one file or folder to import' },
  about: `Imports DICOM files and folders (recursively) into the study catalog of the data home
(VESALIUS_HOME, default the platform's user data folder), exactly as the app does: files the
catalog already knows unchanged are skipped, changed ones are read again, files gone from under
these paths are marked missing. The paths are granted to Vesalius (masks and datasets under them
may be opened later). Prints the studies and series imported with their keys and every file not
imported, with the reason.`,
  options: {
    json: {
      kind: 'boolean',
      help: `print the import summary as one JSON document on stdout:
{ fileCount, added, updated, unchanged, missing, errors, studyKeys, seriesKeys }`,
    },
  },
  notes: `Exit status: 0 when every path was imported (files inside folders may still be rejected, and are
listed); 1 when a path could not be read or a file given by name was rejected, or the import
failed; 2 for usage errors.`,
});

function parseArgs(argv: string[]): { paths: string[]; json: boolean } | 'help' {
  const parsed = parseCommandLine(command, argv);
  return parsed === 'help' ? 'help' : { paths: parsed.positionals, json: parsed.values.json };
}

async function describeImported(api: DirectApi, summary: ImportSummary): Promise<string[]> {
  const lines: string[] = [];
  const wanted = new Set(summary.seriesKeys);
  for (const studyKey of summary.studyKeys) {
    const found = await api.call('catalog.study', { studyKey });
    if (!found.ok) continue;
    const { patient } = found.value;
    const study = patient.studies[0];
    lines.push(`  ${patient.patientName || '—'} (ID ${patient.patientId || '—'}) · ${study.studyDate || '—'} ${study.description || ''}`.trimEnd());
    lines.push(`    study ${studyKey}`);
    for (const series of study.series.filter((s) => wanted.has(s.seriesInstanceUid))) {
      const missing = found.value.missingBySeries[series.seriesInstanceUid] ?? 0;
      lines.push(
        `    series ${series.seriesInstanceUid}  ${series.modality || '—'} ${series.description ? `"${series.description}" ` : ''}` +
          `${series.instances.length} instance(s)${missing ? `, ${missing} missing` : ''}`,
      );
    }
  }
  return lines;
}

export const importCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  return withDirectApi('import', io, async (api) => {
    const started = await api.call('dicom.startImport', { paths: args.paths, how: 'cli' });
    if (!started.ok) {
      io.stderr(`vesalius import: ${started.error.message}\n`);
      return started.error.code === 'invalid_arguments' ? 2 : 1;
    }
    const progress = terminalProgress(io, 'importing');
    let status;
    try {
      status = await waitForJob(api, started.value.jobId, progress.onProgress);
    } finally {
      progress.done();
    }
    if (!status.ok) {
      io.stderr(`vesalius import: ${status.error.message}\n`);
      return 1;
    }
    const job = status.value;
    if (job.kind !== 'import' || job.state !== 'done' || !job.result) {
      io.stderr(`vesalius import: ${job.message ?? `the import ended ${job.state}`}\n`);
      return 1;
    }
    // jobs.status types every kind's result alike; the import's is checked as what it is.
    const parsed = importSummarySchema.safeParse(job.result);
    if (!parsed.success) {
      io.stderr(`vesalius import: the import job returned a result that is not an import summary\n`);
      return 1;
    }
    const summary = parsed.data;
    const inputs = new Set(args.paths.map((p) => path.resolve(p)));
    const inputFailed = summary.errors.some((e) => inputs.has(path.resolve(e.path)));
    if (args.json) {
      io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      const head =
        `Imported ${summary.fileCount} file(s) into ${api.home}: ${summary.added} added, ${summary.updated} updated, ` +
        `${summary.unchanged} unchanged, ${summary.missing} now missing; ${summary.errors.length} not imported.`;
      const imported = await describeImported(api, summary);
      io.stdout([head, ...(imported.length ? ['', 'Studies:', ...imported] : []), ...formatErrors(summary.errors)].join('\n') + '\n');
      for (const e of summary.errors) if (inputs.has(path.resolve(e.path))) io.stderr(`vesalius import: ${shown(e.path)}: ${e.reason}\n`);
    }
    return inputFailed ? 1 : 0;
  });
};
