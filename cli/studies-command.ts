import type { StudySummary } from '../core/contract/catalog';
import { UsageError, optionValue, type CliCommand } from './command';
import { withDirectApi, type DirectApi } from './direct';

const help = `Usage: vesalius studies [--query TEXT] [--modality CT] [--from DATE] [--to DATE] [--limit N] [--json]

Lists the studies of the catalog in the data home (VESALIUS_HOME, default the platform's user
data folder), most recent first, each with its series and their keys (what --series takes).

  --query TEXT     every word must match the patient name or ID, a description or the accession number
  --modality CT    only studies with a series of this modality
  --from, --to     study date range, YYYYMMDD or YYYY-MM-DD (inclusive)
  --limit N        at most N studies (default 500)
  --json           one JSON document on stdout: { total, studies: [ { …summary, series: [ … ] } ] }

Exit status: 0 when the catalog was read (even when empty); 1 when it could not be; 2 for usage errors.
`;

interface StudiesArgs {
  query?: string;
  modality?: string;
  dateFrom?: string;
  dateTo?: string;
  limit?: number;
  json: boolean;
}

function parseArgs(argv: string[]): StudiesArgs | 'help' {
  const args: StudiesArgs = { json: false };
  const valueOf = (i: number, flag: string): string => optionValue(argv, i, flag);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') args.json = true;
    else if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--query') args.query = valueOf(i++, arg);
    else if (arg === '--modality') args.modality = valueOf(i++, arg);
    else if (arg === '--from') args.dateFrom = valueOf(i++, arg);
    else if (arg === '--to') args.dateTo = valueOf(i++, arg);
    else if (arg === '--limit') {
      const text = valueOf(i++, arg);
      const limit = Number(text);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit '${text}' is not a whole number above 0`);
      args.limit = limit;
    } else throw new UsageError(arg.startsWith('-') ? `unknown option '${arg}'` : `unexpected argument '${arg}'`);
  }
  return args;
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
    io.stdout(help);
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
