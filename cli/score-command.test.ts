import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../core/config/data-dir';
import { labelPng, niftiFile } from '../core/masks/mask-fixtures';
import { readFile } from 'node:fs/promises';
import { runCli } from './main';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const vesalius = path.join(projectRoot, 'bin', 'vesalius');
const run = (args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(vesalius, ['score', ...args], { cwd: projectRoot }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });

describe('vesalius score', () => {
  let root: string;
  const dir = (name: string) => path.join(root, name);
  const write = async (rel: string, bytes: Uint8Array) => {
    await mkdir(path.dirname(dir(rel)), { recursive: true });
    await writeFile(dir(rel), bytes);
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vesalius-cli-score-'));
    // a: label 1 → tp 1, fn 1 (IoU 1/2, Dice 2/3); label 7 → exact (IoU 1). Case mIoU 0.75.
    await write('truth/a.png', labelPng(2, 2, [1, 1, 0, 7]));
    await write('pred/a.png', labelPng(2, 2, [1, 0, 0, 7]));
    // sub/b (16-bit): label 1000 → tp 2, fp 1, fn 1 → IoU 2/4 = 0.5. Case mIoU 0.5.
    await write('truth/sub/b.png', labelPng(3, 2, [1000, 1000, 1000, 0, 0, 0], 16));
    await write('pred/sub/b.png', labelPng(3, 2, [0, 1000, 1000, 1000, 0, 0], 16));
    // empty: no foreground on either side → mIoU 1 under 'one', left out under 'skip'.
    await write('truth/empty.png', labelPng(2, 1, [0, 0]));
    await write('pred/empty.png', labelPng(2, 1, [0, 0]));
    await write('truth/only-truth.png', labelPng(1, 1, [1]));
    await write('pred/only-pred.png', labelPng(1, 1, [1]));
    // A second dataset with one shape mismatch.
    await write('truth2/ok.png', labelPng(1, 1, [1]));
    await write('pred2/ok.png', labelPng(1, 1, [1]));
    await write('truth2/wide.png', labelPng(2, 2, [1, 0, 0, 0]));
    await write('pred2/wide.png', labelPng(4, 1, [1, 0, 0, 0]));
    // A third: every truth case predicted, plus a prediction without truth; two truth cases never predicted.
    await write('truth3/x.png', labelPng(1, 1, [1]));
    await write('pred3/x.png', labelPng(1, 1, [1]));
    await write('pred3/stray.png', labelPng(1, 1, [1]));
    await write('truth4/x.png', labelPng(1, 1, [1]));
    await write('truth4/deep/y.png', labelPng(1, 1, [1]));
    await write('truth4/z.nii.gz', niftiFile({ shape: [1, 1, 1], values: [1], datatype: 'uint8', gzip: true }));
    await write('pred4/x.png', labelPng(1, 1, [1]));
    // A case whose name holds a comma, quotes and a line break, for the CSV.
    await write('truth5/we, "odd"\nname.png', labelPng(2, 1, [1, 0]));
    await write('pred5/we, "odd"\nname.png', labelPng(2, 1, [1, 1]));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('--json prints one document with hand-computed scores and the unpaired files; a truth case without prediction exits 1', async () => {
    const result = await run(['--truth', dir('truth'), '--pred', dir('pred'), '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`vesalius score: 1 truth case has no prediction in ${dir('pred')}:\n  ${dir('truth/only-truth.png')}\n`);
    const doc = JSON.parse(result.stdout);
    expect(doc.cases.map((c: { name: string; pred: string }) => [path.relative(root, c.name), path.relative(root, c.pred)])).toEqual([
      ['truth/a.png', 'pred/a.png'],
      ['truth/empty.png', 'pred/empty.png'],
      ['truth/sub/b.png', 'pred/sub/b.png'],
    ]);
    const [a, empty, b] = doc.cases;
    expect(a.labels['1']).toEqual({ iou: 0.5, dice: 2 / 3, precision: 1, recall: 0.5, truth_voxels: 2, pred_voxels: 1, tp: 1, fp: 0, fn: 1, truth_ml: 0.002, pred_ml: 0.001 });
    expect(a.labels['7'].iou).toBe(1);
    expect(a.miou).toBe(0.75);
    expect(empty.labels).toEqual({});
    expect(empty.miou).toBe(1);
    expect(Object.keys(b.labels)).toEqual(['1000']);
    expect(b.labels['1000']).toMatchObject({ iou: 0.5, tp: 2, fp: 1, fn: 1 });
    expect(doc.miou).toBeCloseTo((0.75 + 1 + 0.5) / 3, 12);
    expect(doc.median_miou).toBe(0.75);
    expect(doc.min_miou).toBe(0.5);
    expect(doc.empty_rule).toBe('one');
    expect(doc.per_label['1']).toMatchObject({ mean_iou: 0.5, cases: 1 });
    expect(doc.only_in_truth).toEqual(['only-truth.png']);
    expect(doc.only_in_pred).toEqual(['only-pred.png']);
    expect(doc.errors).toEqual([]);
  });

  it('--empty skip leaves empty cases out of the means', async () => {
    const result = await run(['--truth', dir('truth'), '--pred', dir('pred'), '--json', '--empty', 'skip']);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout);
    expect(doc.empty_rule).toBe('skip');
    expect(doc.cases[1].miou).toBeNull();
    expect(doc.miou).toBe(0.625);
    expect(doc.min_miou).toBe(0.5);
  });

  it('a shape mismatch goes to errors naming both files and shapes, the rest is scored; exit 1', async () => {
    const result = await run(['--truth', dir('truth2'), '--pred', dir('pred2'), '--json']);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout);
    expect(doc.cases).toHaveLength(1);
    expect(doc.errors).toHaveLength(1);
    expect(doc.errors[0].truth).toBe(dir('truth2/wide.png'));
    expect(doc.errors[0].pred).toBe(dir('pred2/wide.png'));
    expect(doc.errors[0].message).toContain(dir('truth2/wide.png'));
    expect(doc.errors[0].message).toContain(dir('pred2/wide.png'));
    expect(doc.errors[0].message).toMatch(/2×2×1.*4×1×1/);
  });

  it('a prediction without truth is listed but does not fail; exit 0', async () => {
    const result = await run(['--truth', dir('truth3'), '--pred', dir('pred3'), '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const doc = JSON.parse(result.stdout);
    expect(doc.only_in_pred).toEqual(['stray.png']);
    expect(doc.only_in_truth).toEqual([]);
  });

  it('names every truth case without a prediction, in the table run and in JSON; exit 1', async () => {
    const table = await run(['--truth', dir('truth4'), '--pred', dir('pred4')]);
    expect(table.code).toBe(1);
    expect(table.stderr).toContain(`2 truth cases have no prediction in ${dir('pred4')}:`);
    expect(table.stderr).toContain(`  ${dir('truth4/deep/y.png')}\n`);
    expect(table.stderr).toContain(`  ${dir('truth4/z.nii.gz')}\n`);
    expect(table.stdout).toMatch(/only in truth \(2\):\n {2}deep\/y\.png\n {2}z\.nii\.gz\n/);
    // The scored case is still scored and printed.
    expect(table.stdout).toMatch(/x\.png\s+1\s+1\.0000/);
    const json = await run(['--truth', dir('truth4'), '--pred', dir('pred4'), '--json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.only_in_truth).toEqual(['deep/y.png', 'z.nii.gz']);
    expect(doc.cases).toHaveLength(1);
    expect(doc.errors).toEqual([]);
  });

  it('scores a single pair of files and prints a readable table without --json', async () => {
    const result = await run(['--truth', dir('truth/a.png'), '--pred', dir('pred/a.png')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/case\s+label\s+IoU\s+Dice/);
    expect(result.stdout).toMatch(/a\.png\s+1\s+0\.5000\s+0\.6667\s+2\s+1\s+0\.7500/);
    expect(result.stdout).toMatch(/mIoU mean 0\.7500/);
  });

  it('--csv writes a row per case and label, per case and the dataset summary (in process); quoting per RFC 4180', async () => {
    const file = dir('scores.csv');
    let stdout = '';
    let stderr = '';
    const code = await runCli(['score', '--truth', dir('truth'), '--pred', dir('pred'), '--csv', file], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    expect(code).toBe(1); // only-truth.png has no prediction, as without --csv
    expect(stdout).toMatch(/mIoU mean/); // the table is still printed
    const lines = (await readFile(file, 'utf8')).split('\r\n');
    expect(lines).toEqual([
      'row,case,label,iou,dice,precision,recall,truth_voxels,pred_voxels,truth_ml,pred_ml,empty,cases',
      `label,a.png,1,0.5,${2 / 3},1,0.5,2,1,0.002,0.001,false,`,
      'label,a.png,7,1,1,1,1,1,1,0.001,0.001,false,',
      `case,a.png,,0.75,${(2 / 3 + 1) / 2},,,,,,,false,`,
      'case,empty.png,,1,1,,,,,,,true,',
      'label,sub/b.png,1000,0.5,0.6666666666666666,0.6666666666666666,0.6666666666666666,3,3,0.003,0.003,false,',
      'case,sub/b.png,,0.5,0.6666666666666666,,,,,,,false,',
      'dataset-label,,1,0.5,0.6666666666666666,,,,,,,,1',
      'dataset-label,,7,1,1,,,,,,,,1',
      'dataset-label,,1000,0.5,0.6666666666666666,,,,,,,,1',
      `dataset-mean,,,${(0.75 + 1 + 0.5) / 3},${(5 / 6 + 1 + 2 / 3) / 3},,,,,,,,3`,
      'dataset-median,,,0.75,,,,,,,,,3',
      'dataset-min,,,0.5,,,,,,,,,3',
      'dataset-max,,,1,,,,,,,,,3',
      '',
    ]);

    const odd = dir('odd.csv');
    expect(await runCli(['score', '--truth', dir('truth5'), '--pred', dir('pred5'), '--json', '--csv', odd], { stdout: () => undefined, stderr: () => undefined })).toBe(0);
    const text = await readFile(odd, 'utf8');
    expect(text).toContain('\r\nlabel,"we, ""odd""\nname.png",1,0.5,');
    expect(text).toContain('\r\ncase,"we, ""odd""\nname.png",,0.5,');

    stderr = '';
    const unwritable = await runCli(['score', '--truth', dir('truth3'), '--pred', dir('pred3'), '--csv', dir('no-such-folder/x.csv')], { stdout: () => undefined, stderr: (t) => (stderr += t) });
    expect(unwritable).toBe(1);
    expect(stderr).toMatch(new RegExp(`^vesalius score: cannot write the CSV ${dir('no-such-folder/x.csv').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+\n$`));
  });

  it('usage errors exit 2 with a reason', async () => {
    const missing = await run(['--truth', dir('truth')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--pred is required/);
    expect((await run(['--truth', dir('truth'), '--pred', dir('pred'), '--empty', 'zero'])).code).toBe(2);
    const mixed = await run(['--truth', dir('truth'), '--pred', dir('pred/a.png')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/folder but --pred is a file/);
    expect((await run(['--truth', dir('nowhere'), '--pred', dir('pred')])).code).toBe(2);
  });

  it('--help explains the exit codes', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Exit status: 0 .*1 when any pair failed.*when any truth\s+case has no prediction/s);
  });
});
