// `npm run fuzz`: the bounded, seeded fuzz run over every reader of untrusted bytes (core/fuzz).
// Exit 1 when any file crashed, hung, passed the RSS limit, or got an unnamed or unwrapped reason.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../core/config/data-dir';
import { replay, runFuzz, type FuzzSummary } from '../core/fuzz/harness';
import { READERS, type ReaderName } from '../core/fuzz/readers';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '2000' },
    'mask-count': { type: 'string', default: '600' },
    'time-limit-ms': { type: 'string', default: '10000' },
    'rss-limit-mb': { type: 'string', default: String(2048 + 300) },
    data: { type: 'string' },
    'no-data': { type: 'boolean', default: false },
    heavy: { type: 'boolean', default: false },
    'no-render': { type: 'boolean', default: false },
    replay: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`npm run fuzz -- [--seed N] [--count N] [--mask-count N] [--time-limit-ms MS] [--rss-limit-mb MB]
                [--data DIR | --no-data] [--heavy] [--json] [--replay FILE]
  --count        mutated DICOM files for the indexer (default 2000)
  --mask-count   mutated PNG / NIfTI / SEG files for the mask reader (default 600)
  --data         the data directory whose dicom/ files are seeds too (default: VESALIUS_DATA_DIR or ../shared/data)
  --heavy        also the largest valid inputs within the caps (a 16384² PNG, a 512³ NIfTI)
  --no-render    do not also render (vesalius render's decode) the DICOM files the index accepts
  --replay FILE  read one kept failing file again (its reader from FILE.json, else every reader)`);
  process.exit(0);
}

const integer = (name: string, text: string | undefined): number => {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`fuzz: --${name} must be a whole number ≥ 0 (got ${JSON.stringify(text)})`);
    process.exit(2);
  }
  return value;
};
const limits = { timeLimitMs: integer('time-limit-ms', values['time-limit-ms']), rssLimitMb: integer('rss-limit-mb', values['rss-limit-mb']) };

if (values.replay) {
  const file = path.resolve(values.replay);
  if (!existsSync(file)) {
    console.error(`fuzz: ${file}: not found`);
    process.exit(2);
  }
  const sidecar = existsSync(`${file}.json`) ? (JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { reader?: ReaderName; mutation?: string; seed?: number }) : null;
  if (sidecar) console.log(`seed ${sidecar.seed}, mutation: ${sidecar.mutation}`);
  const readers = sidecar?.reader && READERS.includes(sidecar.reader) ? [sidecar.reader] : [...READERS];
  const results = await replay(file, limits, readers);
  for (const r of results) console.log(`${r.reader}: ${JSON.stringify(r.result)}${r.problem ? `\n  PROBLEM: ${r.problem}` : ''}`);
  process.exit(results.some((r) => r.problem) ? 1 : 0);
}

const dataDir = values['no-data'] ? null : values.data ? path.resolve(values.data) : resolveDataDir();
const summary = await runFuzz({
  seed: integer('seed', values.seed),
  count: integer('count', values.count),
  maskCount: integer('mask-count', values['mask-count']),
  ...limits,
  dataDir,
  heavy: values.heavy,
  render: !values['no-render'],
  log: (line) => console.error(line),
});
if (values.json) console.log(JSON.stringify(summary, null, 2));
else printSummary(summary, dataDir);
process.exit(summary.failures.length > 0 ? 1 : 0);

function printSummary(s: FuzzSummary, data: string | null): void {
  console.log(`fuzz seed ${s.seed}: ${s.files} files in ${(s.wallMs / 1000).toFixed(1)} s (data: ${data ?? 'none'}), ${s.childrenStarted} reader process(es)`);
  for (const [reader, stats] of Object.entries(s.byReader)) {
    const outcomes = Object.entries(stats.outcomes).sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ');
    console.log(`  ${reader}: ${stats.files} files — ${outcomes}`);
  }
  console.log(`  max RSS of the reader process: ${Math.round(s.maxRssMb)} MiB (limit ${limits.rssLimitMb} MiB)`);
  console.log('  slowest:');
  for (const slow of s.slowest) console.log(`    ${Math.round(slow.ms)} ms  ${slow.reader}  ${slow.seedName}  [${slow.mutation}]`);
  const problems = Object.entries(s.problems).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`  problems: ${problems || 'none'}`);
  if (s.failDir) console.log(`  failing files kept in ${s.failDir} (replay: npm run fuzz -- --replay <file>)`);
}
