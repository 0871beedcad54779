/**
 * The fuzz run: every seed as it is, every special file, then `count` mutated DICOM files and
 * `maskCount` mutated masks, each read by its reader in a child process (ReaderProcess) within a
 * time and an RSS limit. A file fails the run when its reader crashes, hangs, passes the RSS limit,
 * throws something other than its named error, or gives a reason with an unwrapped engine/library
 * message. Failing files are kept, with the seed and the mutation, to replay.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seededRandom } from '../metrics/test-volumes';
import { mutate, pick } from './mutate';
import { unwrappedMessage } from './patterns';
import { ReaderProcess, type JobResult } from './reader-process';
import type { ReaderName } from './readers';
import { loadSeeds, type Seed } from './seeds';
import { specialFiles } from './special';

export interface FuzzOptions {
  seed: number;
  /** Mutated DICOM files (for the indexer). */
  count: number;
  /** Mutated mask files (PNG, NIfTI, SEG, for the mask reader). */
  maskCount: number;
  timeLimitMs: number;
  rssLimitMb: number;
  dataDir: string | null;
  /** Also the largest valid inputs within the caps (seconds and ~1 GiB each). */
  heavy: boolean;
  /** Also render (core/render, `vesalius render`) every DICOM file the indexer accepts. */
  render: boolean;
  /** Where failing files are kept (default: a new folder under /tmp). */
  failDir?: string;
  log?: (line: string) => void;
}

export interface CaseFailure {
  index: number;
  reader: ReaderName;
  seedName: string;
  mutation: string;
  problem: string;
  savedAs?: string;
}

export interface FuzzSummary {
  seed: number;
  files: number;
  byReader: Record<string, { files: number; outcomes: Record<string, number> }>;
  problems: Record<string, number>;
  failures: CaseFailure[];
  slowest: { reader: ReaderName; seedName: string; mutation: string; ms: number }[];
  maxRssMb: number;
  childrenStarted: number;
  wallMs: number;
  failDir: string | null;
}

interface Case {
  index: number;
  /** One of the largest valid inputs within the caps: allowed HEAVY_TIME_FACTOR × the time limit. */
  heavy?: boolean;
  reader: ReaderName;
  seedName: string;
  mutation: string;
  bytes: Uint8Array;
}

/** A largest valid input (a 16384² PNG is 1 GiB of RGBA in pngjs) may take this many times the per-file limit. */
const HEAVY_TIME_FACTOR = 6;

/** What is wrong with a reader's result, or null when it is an outcome a person can act on. */
export function problemOf(result: JobResult): string | null {
  if (result.kind === 'crash') return `crash (${result.detail})`;
  if (result.kind === 'hang') return `hang (no answer within ${Math.round(result.ms)} ms)`;
  if (result.kind === 'rss') return `RSS ${Math.round(result.rssMb)} MiB over the limit`;
  if (result.code === 'thrown') return `unnamed error thrown: ${result.reason}`;
  const accepted = result.code === 'instance' || result.code === 'rendered' || result.code.startsWith('ok:');
  if (!accepted && !result.reason?.trim()) return `refused (${result.code}) without a reason`;
  const unwrapped = result.reason ? unwrappedMessage(result.reason) : null;
  return unwrapped ? `unwrapped engine/library message (${unwrapped}): ${result.reason}` : null;
}

const problemKind = (result: JobResult, problem: string): string =>
  result.kind !== 'outcome' ? result.kind : problem.startsWith('unnamed') ? 'unnamed-error' : problem.startsWith('refused') ? 'no-reason' : 'unwrapped-message';

/** Case seeds: each case's mutation comes from its own stream, so one case replays without the others. */
const caseRandom = (seed: number, index: number): (() => number) => seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);

function* cases(options: FuzzOptions, seeds: Seed[]): Generator<Case> {
  let index = 0;
  for (const seed of seeds) yield { index: index++, reader: seed.reader, seedName: seed.name, mutation: 'none (seed as it is)', bytes: seed.bytes };
  for (const special of specialFiles(options.heavy)) {
    yield { index: index++, reader: special.reader, seedName: special.name, mutation: 'none (special file)', bytes: special.bytes, heavy: special.heavy };
  }
  const byReader = (reader: ReaderName): Seed[] => seeds.filter((s) => s.reader === reader);
  for (const [reader, count] of [['dicom-index', options.count], ['mask', options.maskCount]] as const) {
    const pool = byReader(reader);
    for (let i = 0; i < count && pool.length > 0; i++) {
      const random = caseRandom(options.seed, index);
      const seed = pick(random, pool);
      let { bytes, mutation } = mutate(random, seed.bytes, seed.format, seed.encoding);
      // Now and then a second mutation on top of the first.
      if (random() < 0.25) {
        const second = mutate(random, bytes, seed.format, seed.encoding);
        bytes = second.bytes;
        mutation = `${mutation}; then ${second.mutation}`;
      }
      yield { index: index++, reader, seedName: seed.name, mutation, bytes };
    }
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const workDir = await mkdtemp(path.join(tmpdir(), 'vesalius-fuzz-work-'));
  const reader = new ReaderProcess({ timeLimitMs: options.timeLimitMs, rssLimitMb: options.rssLimitMb });
  const summary: FuzzSummary = { seed: options.seed, files: 0, byReader: {}, problems: {}, failures: [], slowest: [], maxRssMb: 0, childrenStarted: 0, wallMs: 0, failDir: null };
  const answered = new Set<number>();
  try {
    const seeds = await loadSeeds(workDir, options.dataDir);
    log(`seeds: ${seeds.filter((s) => s.reader === 'dicom-index').length} DICOM, ${seeds.filter((s) => s.reader === 'mask').length} mask`);
    const casePath = path.join(workDir, 'case');
    let lastLog = performance.now();
    let generated = 0;
    for (const c of cases(options, seeds)) {
      generated++;
      await writeFile(casePath, c.bytes);
      const result = await reader.run(c.reader, casePath, c.heavy ? options.timeLimitMs * HEAVY_TIME_FACTOR : options.timeLimitMs);
      if (answered.has(c.index)) throw new Error(`fuzz case ${c.index} answered twice`);
      answered.add(c.index);
      await record(c, result);
      // What the index accepts, `vesalius render` is asked to decode.
      if (options.render && c.reader === 'dicom-index' && result.kind === 'outcome' && result.code === 'instance') {
        await record({ ...c, reader: 'render' }, await reader.run('render', casePath));
      }
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`${summary.files} files, ${summary.failures.length} failing, max RSS ${Math.round(reader.maxRssMb)} MiB`);
      }
    }
    // Every file accounted for exactly once: one answer per case (and per reader asked).
    const counted = Object.values(summary.byReader).reduce((n, r) => n + r.files, 0);
    if (answered.size !== generated || counted !== summary.files) throw new Error(`fuzz accounting: ${generated} cases, ${answered.size} answered, ${counted} counted of ${summary.files}`);
  } finally {
    await reader.close();
    await rm(workDir, { recursive: true, force: true });
  }
  summary.maxRssMb = reader.maxRssMb;
  summary.childrenStarted = reader.started;
  summary.wallMs = performance.now() - started;
  return summary;

  /** Counts one reader's result on one file, and keeps the file when the result is a problem. */
  async function record(c: Case, result: JobResult): Promise<void> {
    summary.files++;
    const stats = (summary.byReader[c.reader] ??= { files: 0, outcomes: {} });
    stats.files++;
    const code = result.kind === 'outcome' ? result.code : result.kind;
    stats.outcomes[code] = (stats.outcomes[code] ?? 0) + 1;
    const ms = result.ms;
    summary.slowest.push({ reader: c.reader, seedName: c.seedName, mutation: c.mutation, ms });
    summary.slowest.sort((a, b) => b.ms - a.ms);
    summary.slowest.length = Math.min(summary.slowest.length, 5);
    const problem = problemOf(result);
    if (problem) {
      const kind = problemKind(result, problem);
      summary.problems[kind] = (summary.problems[kind] ?? 0) + 1;
      const failure: CaseFailure = { index: c.index, reader: c.reader, seedName: c.seedName, mutation: c.mutation, problem };
      failure.savedAs = await saveFailure(options, summary, c, failure);
      summary.failures.push(failure);
      log(`FAIL #${c.index} ${c.reader} ${c.seedName} [${c.mutation}]: ${problem}`);
    }
  }
}

/** Keeps a failing file and what made it, for `npm run fuzz -- --replay <file>`. */
async function saveFailure(options: FuzzOptions, summary: FuzzSummary, c: Case, failure: CaseFailure): Promise<string> {
  if (!summary.failDir) {
    summary.failDir = options.failDir ?? path.join(tmpdir(), 'vesalius-fuzz', `seed-${options.seed}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await mkdir(summary.failDir, { recursive: true });
  }
  const file = path.join(summary.failDir, `${String(c.index).padStart(6, '0')}-${c.reader}.bin`);
  await writeFile(file, c.bytes);
  await writeFile(`${file}.json`, `${JSON.stringify({ seed: options.seed, ...failure, savedAs: file }, null, 2)}\n`);
  return file;
}

/** Reads one kept file again with its reader (from the .json beside it, else every reader). */
export async function replay(file: string, limits: { timeLimitMs: number; rssLimitMb: number }, readers: ReaderName[]): Promise<{ reader: ReaderName; result: JobResult; problem: string | null }[]> {
  const process = new ReaderProcess(limits);
  const out: { reader: ReaderName; result: JobResult; problem: string | null }[] = [];
  try {
    for (const reader of readers) {
      const result = await process.run(reader, file);
      out.push({ reader, result, problem: problemOf(result) });
    }
  } finally {
    await process.close();
  }
  return out;
}
