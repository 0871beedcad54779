// The Scoring dock's export (scores.export) and `vesalius score --csv / --json` write the same bytes for the
// same inputs: a folder dataset and a stored pair of segmentations.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../core/contract/dispatch';
import type { CallName, CallResult } from '../core/contract/index';
import type { Result } from '../core/contract/result';
import { labelPng } from '../core/masks/mask-fixtures';
import { testPlanes, writeSourceSeries } from '../core/masks/seg-writer.fixtures';
import { createAppService, type AppService } from '../core/services/app-service';
import { waitForJob } from '../core/services/test-helpers';
import { runCli } from './main';

let tmp: string;
let service: AppService;
const home = () => path.join(tmp, 'home');
const dir = (name: string) => path.join(tmp, name);

async function call<K extends CallName>(name: K, args: unknown): Promise<Result<CallResult<K>>> {
  return (await dispatch(service.handlers, name, args, { transport: 'electron', caller: 'test' })) as Result<CallResult<K>>;
}
function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}
/** The command line in process; stdout kept, stderr ignored (it lists what the files list too). */
async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: () => undefined });
  return { code, stdout };
}
const write = (rel: string, bytes: Uint8Array) => {
  mkdirSync(path.dirname(dir(rel)), { recursive: true });
  writeFileSync(dir(rel), bytes);
};

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-score-export-'));
  write('truth/a.png', labelPng(2, 2, [1, 1, 0, 7]));
  write('pred/a.png', labelPng(2, 2, [1, 0, 0, 7]));
  write('truth/sub/b.png', labelPng(3, 2, [1000, 1000, 1000, 0, 0, 0], 16));
  write('pred/sub/b.png', labelPng(3, 2, [0, 1000, 1000, 1000, 0, 0], 16));
  // A case whose name a spreadsheet would run as a formula, and one without a prediction.
  write('truth/=HYPERLINK(1).png', labelPng(1, 1, [1]));
  write('pred/=HYPERLINK(1).png', labelPng(1, 1, [0]));
  write('truth/only-truth.png', labelPng(1, 1, [1]));
  mkdirSync(dir('out'));
  service = createAppService({ dataDir: null, transport: 'electron', cacheDir: dir('cache'), home: home() });
  // The folders as the person chose them in the dock (typed or picked).
  service.catalog.grant([dir('truth'), dir('pred'), dir('out')], 'dialog');
});
afterAll(() => {
  service?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('scores.export', () => {
  it('a dataset: CSV and JSON byte-identical to vesalius score --csv / --json, the formula-like case name defused', async () => {
    const cliCsv = dir('cli.csv');
    const ran = await cli(['score', '--truth', dir('truth'), '--pred', dir('pred'), '--json', '--csv', cliCsv]);
    expect(ran.code).toBe(1); // a truth case without prediction fails the command, but both files are written

    const csv = value(await call('scores.export', { scores: { kind: 'dataset', truthDir: dir('truth'), predDir: dir('pred') }, format: 'csv', outPath: dir('out/app.csv') }));
    expect(csv).toEqual({ path: dir('out/app.csv'), format: 'csv', bytes: readFileSync(cliCsv).length, cases: 3, errors: 0 });
    const appCsv = readFileSync(dir('out/app.csv'));
    expect(appCsv.equals(readFileSync(cliCsv))).toBe(true);
    expect(appCsv.toString('utf8')).toContain("\r\nlabel,'=HYPERLINK(1).png,1,0,0,");

    value(await call('scores.export', { scores: { kind: 'dataset', truthDir: dir('truth'), predDir: dir('pred'), emptyRule: 'one' }, format: 'json', outPath: dir('out/app.json') }));
    expect(readFileSync(dir('out/app.json'), 'utf8')).toBe(ran.stdout);
    expect(JSON.parse(ran.stdout).only_in_truth).toEqual(['only-truth.png']);
  }, 60_000);

  it('a stored pair (the dock\'s "This series" score): the same bytes as vesalius score on the two segmentation ids', async () => {
    await writeSourceSeries(dir('study/ct'), { columns: 4, rows: 2, slices: 2, ...testPlanes.axial });
    const imported = await waitForJob(service, value(await call('dicom.startImport', { paths: [dir('study')], how: 'dialog' })).jobId);
    const seriesKey = imported.result!.seriesKeys[0];
    const ids: string[] = [];
    for (const [name, bits] of [['expert', 0b11110000], ['model', 0b00111100]] as const) {
      const created = value(await call('masks.create', { seriesKey, name, shape: [4, 2, 2], segments: [{ number: 1, label: 'lesion', color: [255, 0, 0] }] }));
      value(await call('masks.saveSlices', { maskSetId: created.maskSetId, expectedHead: created.headVersion, edits: [{ segment: 1, z: 0, bits: Uint8Array.of(bits) }] }));
      ids.push(created.maskSetId);
    }
    const previousHome = process.env.VESALIUS_HOME;
    process.env.VESALIUS_HOME = home();
    let ran: { code: number; stdout: string };
    try {
      ran = await cli(['score', '--truth', ids[0], '--pred', ids[1], '--json', '--csv', dir('pair-cli.csv')]);
    } finally {
      if (previousHome === undefined) delete process.env.VESALIUS_HOME;
      else process.env.VESALIUS_HOME = previousHome;
    }
    expect(ran.code).toBe(0);
    for (const format of ['csv', 'json'] as const) {
      const outPath = dir(`out/pair.${format}`);
      value(await call('scores.export', { scores: { kind: 'case', truthId: ids[0], predId: ids[1] }, format, outPath }));
      if (format === 'csv') expect(readFileSync(outPath).equals(readFileSync(dir('pair-cli.csv')))).toBe(true);
      else expect(readFileSync(outPath, 'utf8')).toBe(ran.stdout);
    }
    // Truth 4 voxels, prediction 4, 2 shared: IoU 2/6.
    expect(readFileSync(dir('out/pair.csv'), 'utf8')).toContain(`label,${ids[0]},1,${2 / 6},0.5,`);
  }, 120_000);

  it('refuses an output path or a dataset folder outside the grants, a folder as the file, and bad arguments', async () => {
    const outside = await call('scores.export', { scores: { kind: 'dataset', truthDir: dir('truth'), predDir: dir('pred') }, format: 'csv', outPath: dir('elsewhere.csv') });
    expect(outside).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/^scores\.export: /) } });
    mkdirSync(dir('ungranted-truth'));
    const folder = await call('scores.export', { scores: { kind: 'dataset', truthDir: dir('ungranted-truth'), predDir: dir('pred') }, format: 'csv', outPath: dir('out/x.csv') });
    expect(folder).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const onFolder = await call('scores.export', { scores: { kind: 'dataset', truthDir: dir('truth'), predDir: dir('pred') }, format: 'json', outPath: dir('out') });
    expect(onFolder).toMatchObject({ ok: false, error: { code: 'bad_input', message: expect.stringContaining('is a folder') } });
    for (const args of [
      { scores: { kind: 'dataset', truthDir: dir('truth'), predDir: dir('pred') }, format: 'xlsx', outPath: dir('out/x') },
      { scores: { truthDir: dir('truth'), predDir: dir('pred') }, format: 'csv', outPath: dir('out/x') },
      { scores: { kind: 'case', truthId: 'not-an-id', predId: 'seg-x' }, format: 'csv', outPath: dir('out/x') },
      { scores: { kind: 'dataset', truthDir: dir('truth'), predDir: dir('pred') }, format: 'csv', outPath: '' },
    ]) {
      expect(await call('scores.export', args)).toMatchObject({ ok: false, error: { code: 'invalid_arguments', message: expect.stringMatching(/^scores\.export: /) } });
    }
  });
});
