import type { StudySummary } from '../core/contract/catalog';
import type { CliCommand } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { withDirectApi, type DirectApi } from './direct';

const command = defineCommand({
  name: 'studies',
  about: `Lists the studies of the catalog in the data home (VESALIUS_HOME, default the platform's user
data folder), most recent first, each with its series and their keys (what --series takes).`,
  options: {
    query: { kind: 'string', value: 'TEXT', help: 'every word must match the patient name or ID, a description or the accession number' },
    modality: { kind: 'string', value: 'CT', help: 'only studies with a series of this modality' },
    from: { kind: 'string', value: 'DATE', help: 'study date range from, YYYYMMDD or YYYY-MM-DD (inclusive)' },
    to: { kind: 'string', value: 'DATE', help: 'study date range to, YYYYMMDD or YYYY-MM-DD (inclusive)' },
    limit: { kind: 'int', min: 1, help: 'at most N studies (default 500)' },
    json: { kind: 'boolean', help: 'one JSON document on stdout: { total, studies: [ { …summary, series: [ … ] } ] }' },
  },
  notes: 'Exit status: 0 when the catalog was read (even when empty); 1 when it could not be; 2 for usage errors.',
});

interface StudiesArgs {
  query?: string;
  modality?: string;
  dateFrom?: string;
  dateTo?: string;
  limit?: number;
  json: boolean;
}

function parseArgs(argv: string[]): StudiesArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  if (parsed === 'help') return 'help';
  const { from, to, ...rest } = parsed.values;
  return { ...rest, dateFrom: from, dateTo: to };
}

interface SeriesLine {
  seriesKey: string;
  seriesNumber: number | null;
  modality: string;
  description: string;
  instanceCount: number;
  missingCount: number;
}

async function seriesOf(api: DirectApi, study: StudySummary): Promise<SeriesLine[]> {
  const found = await api.call('catalog.study', { studyKey: study.studyKey });
  if (!found.ok) return [];
  return found.value.patient.studies[0].series.map((s) => ({
    seriesKey: s.seriesInstanceUid,
    seriesNumber: s.seriesNumber,
    modality: s.modality,
    description: s.description,
    instanceCount: s.instances.length,
    missingCount: found.value.missingBySeries[s.seriesInstanceUid] ?? 0,
  }));
}

export const studiesCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  return withDirectApi('studies', io, async (api) => {
    const { json, ...query } = args;
    const listed = await api.call('catalog.studies', query);
    if (!listed.ok) {
      io.stderr(`vesalius studies: ${listed.error.message}\n`);
      return listed.error.code === 'invalid_arguments' ? 2 : 1;
    }
    const studies = await Promise.all(listed.value.studies.map(async (s) => ({ ...s, series: await seriesOf(api, s) })));
    if (json) {
      io.stdout(`${JSON.stringify({ total: listed.value.total, studies }, null, 2)}\n`);
      return 0;
    }
    if (studies.length === 0) {
      io.stdout(listed.value.total === 0 && !Object.values(query).some(Boolean) ? `No studies in ${api.home}; add some with \`vesalius import <path>\`.\n` : 'No study matches.\n');
      return 0;
    }
    const lines = [`${listed.value.total} stud${listed.value.total === 1 ? 'y' : 'ies'} in ${api.home}${studies.length < listed.value.total ? ` (showing ${studies.length})` : ''}:`];
    for (const s of studies) {
      lines.push('');
      lines.push(`${s.studyDate || '—'}  ${s.patientName || '—'} (ID ${s.patientId || '—'})  ${s.description || '(no description)'}  [${s.modalities.join(', ') || '—'}]`);
      lines.push(`  study ${s.studyKey}${s.accessionNumber ? `  accession ${s.accessionNumber}` : ''}`);
      for (const se of s.series) {
        lines.push(
          `  series ${se.seriesKey}  #${se.seriesNumber ?? '—'} ${se.modality || '—'} ${se.description ? `"${se.description}" ` : ''}` +
            `${se.instanceCount} instance(s)${se.missingCount ? `, ${se.missingCount} missing` : ''}`,
        );
      }
    }
    io.stdout(lines.join('\n') + '\n');
    return 0;
  });
};
