import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirMissingMessage, projectRoot, resolveDataDir } from '../core/config/data-dir';
import { writeImportCorpus, type ImportCorpus } from '../core/fixtures/corpus';
import { listRegularFiles } from '../core/dicom/test-helpers';

const bin = path.join(projectRoot, 'bin', 'vesalius');

function runIndex(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(bin, ['index', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface JsonInstance {
  path: string;
  sopInstanceUid: string;
  fileKey?: string;
}
interface JsonDocument {
  patients: Array<{ studies: Array<{ series: Array<{ instances: JsonInstance[]; frames: Array<{ sopInstanceUid: string; fileKey?: string }> }> }> }>;
  errors: Array<{ path: string; code: string; reason: string }>;
  fileCount: number;
}

const instancesOf = (doc: JsonDocument): JsonInstance[] =>
  doc.patients.flatMap((p) => p.studies.flatMap((s) => s.series.flatMap((se) => se.instances)));

/** Parses stdout as exactly one JSON document and checks each file under `root` is reported once. */
async function expectExactlyOnce(stdout: string, root: string): Promise<JsonDocument> {
  const doc = JSON.parse(stdout) as JsonDocument;
  const reported = [...instancesOf(doc).map((i) => i.path), ...doc.errors.map((e) => e.path)].sort();
  expect(reported).toEqual((await listRegularFiles(root)).sort());
  expect(doc.fileCount).toBe(reported.length);
  for (const instance of instancesOf(doc)) {
    expect(instance.sopInstanceUid).toMatch(/^[0-9.]+$/);
    expect(instance.fileKey).toBeUndefined();
  }
  for (const series of doc.patients.flatMap((p) => p.studies.flatMap((s) => s.series))) {
    // The canonical frame list names the series' own instances, without file keys either.
    expect(series.frames.length).toBeGreaterThanOrEqual(series.instances.length);
    expect(new Set(series.frames.map((f) => f.sopInstanceUid))).toEqual(new Set(series.instances.map((i) => i.sopInstanceUid)));
    for (const frame of series.frames) expect(frame.fileKey).toBeUndefined();
  }
  return doc;
}

let workDir: string;
let corpus: ImportCorpus;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'vesalius-cli-index-'));
  corpus = await writeImportCorpus(path.join(workDir, 'corpus'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('vesalius index', () => {
  it('--json prints one document accounting for every generated file once, exit 0', async () => {
    const run = runIndex([corpus.root, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const doc = await expectExactlyOnce(run.stdout, corpus.root);
    const codes = Object.fromEntries(doc.errors.map((e) => [path.basename(e.path), e.code]));
    expect(codes['truncated-native.dcm']).toBe('truncated');
    expect(codes['duplicate.dcm']).toBe('duplicate');
    expect(instancesOf(doc)).toHaveLength([...corpus.expected.values()].filter((o) => o === 'instance').length);
  });

  it('prints a readable tree and the rejected files with reasons', () => {
    const run = runIndex([corpus.root]);
    expect(run.status).toBe(0);
    const outcomes = [...corpus.expected.values()];
    const instances = outcomes.filter((o) => o === 'instance').length;
    // Five generated series (one per syntax) plus the bare data set's own series.
    expect(run.stdout).toMatch(new RegExp(`^Indexed ${outcomes.length} file\\(s\\): ${instances} instance\\(s\\) in 6 series`));
    expect(run.stdout).toContain('Patient Phantom^Synthetic (ID PHANTOM-0001)');
    expect(run.stdout).toContain('RLE Lossless');
    expect(run.stdout).toContain(`Not imported (${outcomes.length - instances}):`);
    expect(run.stdout).toMatch(/unsupported-syntax\.dcm: transfer syntax 1\.2\.840\.10008\.1\.2\.4\.112 \(JPEG XL\)/);
  });

  it('exits 2 with a message for a missing path, no paths, or an unknown option', () => {
    const missing = runIndex([path.join(workDir, 'no-such-folder'), '--json']);
    expect(missing.status).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('no such file or directory');

    const none = runIndex([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('Usage: vesalius index');

    const unknown = runIndex(['--frobnicate', corpus.root]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--frobnicate'");
  });
});

const dataDir = resolveDataDir();
const dicomDir = dataDir ? path.join(dataDir, 'dicom') : null;
if (!dicomDir || !existsSync(dicomDir)) console.warn(dataDirMissingMessage());

describe.skipIf(!dicomDir || !existsSync(dicomDir))('vesalius index on the real DICOM collection', () => {
  it('--json accounts for every file once and exits 0', async () => {
    const run = runIndex([dicomDir ?? '', '--json']);
    expect(run.status).toBe(0);
    const doc = await expectExactlyOnce(run.stdout, dicomDir ?? '');
    expect(doc.errors.length).toBeGreaterThan(0);
    expect(instancesOf(doc).length).toBeGreaterThan(0);
  });
});
