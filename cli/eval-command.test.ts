// vesalius eval end to end through bin/vesalius: agreement with models/training/evaluate.py on the
// synthetic data directory (figures written by Python into cli/fixtures/eval-agreement-python.json,
// since CI has no Python), and the bad inputs.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../core/config/data-dir';
import { shippedModelDir, tinyRandomDir, v020ModelDir } from '../core/model/test-models';
import { AGREEMENT_FIXTURE, modelDigest } from './eval-agreement-fixture';
import { writeSyntheticEvalData } from './eval-synthetic-data';
import { vesalius } from './test-run';

/** Each run starts a CLI process and a worker that loads the model: seconds each on a busy machine. */
const SLOW = 240_000;
const TOLERANCE = 1e-6;

let dir: string;
let data: string;
let env: NodeJS.ProcessEnv;
const fixture = JSON.parse(readFileSync(AGREEMENT_FIXTURE, 'utf8'));

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vesalius-eval-cli-'));
  data = path.join(dir, 'data');
  await writeSyntheticEvalData(data);
  env = { VESALIUS_HOME: path.join(dir, 'home'), VESALIUS_DATA_DIR: path.join(dir, 'no-such-data') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every number in `expected` equals the one at the same place in `actual` within TOLERANCE; everything else is equal. */
function expectClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number') {
    expect(typeof actual, where).toBe('number');
    expect(Math.abs((actual as number) - expected), `${where}: ${String(actual)} vs Python ${expected}`).toBeLessThanOrEqual(TOLERANCE);
  } else if (expected && typeof expected === 'object') {
    expect(actual, where).toBeTypeOf('object');
    for (const [k, v] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
  } else expect(actual, where).toEqual(expected);
}

const evalJson = async (args: string[]) => {
  const r = await vesalius(['eval', ...args, '--model', tinyRandomDir, '--data-dir', data, '--json'], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { model: string; dataset: string; split: string; figures: Record<string, any> };
};

describe('vesalius eval agrees with evaluate.py (tiny-random, synthetic data)', () => {
  it('uses the tiny model the fixture was made with', () => {
    // a regenerated tiny model needs a new fixture: npx tsx cli/eval-agreement-fixture.ts
    expect(modelDigest(tinyRandomDir), `models/tiny-random changed since ${path.basename(AGREEMENT_FIXTURE)}: rerun ${fixture.command}`).toEqual(fixture.model_files_sha256);
  });

  it('lung-ct val: per-slice lung IoU, mean/median/worst/pooled, left/right mIoU, judged-present rates', async () => {
    const out = await evalJson(['--dataset', 'lung-ct', '--split', 'val']);
    expect(out).toMatchObject({ model: 'tiny-random', dataset: 'lung-ct', split: 'val' });
    expectClose(out.figures, fixture.lung_ct_val, 'lung_ct_val');
    expect(Object.keys(out.figures.iou_per_slice)).toEqual(Object.keys(fixture.lung_ct_val.iou_per_slice));
    expect(out.figures.empty_mask_rate).toBe(0);
  }, SLOW);

  it('vqa-rad test: closed / open / overall exact match and the refusal count', async () => {
    const out = await evalJson(['--dataset', 'vqa-rad', '--split', 'test']);
    expectClose(out.figures.model, fixture.vqa_rad_test.model, 'vqa_rad_test.model');
    expect(out.figures.refusals_test.refused).toBe(fixture.vqa_rad_test.refusals_test.refused);
    expect(out.figures.refusals_test.n).toBe(fixture.vqa_rad_test.refusals_test.n);
    // the synthetic answers make some of these figures non-zero, so the answers themselves are compared
    expect(out.figures.model.overall).toBeGreaterThan(0);
    const perQuestion = out.figures.per_question as { refused: boolean; correct: boolean }[];
    expect(perQuestion).toHaveLength(fixture.vqa_rad_test.refusals_test.n);
    expect(perQuestion.filter((q) => q.correct).length / perQuestion.length).toBeCloseTo(out.figures.model.overall, 12);
    // captions: the same references (derived from the QA pairs) and the same generated texts, then the same scores
    const captions = out.figures.captions_test_images;
    expectClose(captions.model, fixture.captions_test_images.model, 'captions_test_images.model');
    expect(captions.n_images).toBe(fixture.captions_test_images.n_images);
    expect(captions.per_image.slice(0, 8)).toEqual(fixture.captions_test_images.examples);
  }, SLOW);

  it('--limit takes the first slices, as evaluate.py --limit does', async () => {
    const out = await evalJson(['--dataset', 'lung-ct', '--split', 'val', '--limit', '2']);
    const names = Object.keys(fixture.lung_ct_val.iou_per_slice).slice(0, 2);
    expect(Object.keys(out.figures.iou_per_slice)).toEqual(names);
    for (const n of names) expectClose(out.figures.iou_per_slice[n], fixture.lung_ct_val.iou_per_slice[n], n);
    expect(out.figures.n).toBe(2);
  }, SLOW);
});

describe('vesalius eval bad input', () => {
  const run = (args: string[]) => vesalius(['eval', ...args], env);

  it('unknown dataset or split, missing options: usage errors (exit 2)', async () => {
    let r = await run(['--dataset', 'chest-xray', '--split', 'val', '--data-dir', data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--dataset 'chest-xray' is not 'lung-ct' or 'vqa-rad'");
    r = await run(['--dataset', 'lung-ct', '--split', 'train', '--data-dir', data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--split 'train' is not 'val' or 'test'");
    r = await run(['--dataset', 'lung-ct']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--split is required');
  }, SLOW);

  it('a data directory without the dataset or the split names what is missing (exit 1)', async () => {
    let r = await run(['--dataset', 'vqa-rad', '--split', 'test', '--model', tinyRandomDir, '--data-dir', path.join(data, 'lung-ct')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(data, 'lung-ct')} has no vqa-rad folder`);
    r = await run(['--dataset', 'lung-ct', '--split', 'test', '--model', tinyRandomDir, '--data-dir', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(data, 'lung-ct')} has no test split (it has: train, val)`);
    r = await run(['--dataset', 'vqa-rad', '--split', 'val', '--model', tinyRandomDir, '--data-dir', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('vqa-rad has no val split here');
    r = await run(['--dataset', 'lung-ct', '--split', 'val', '--model', tinyRandomDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no data directory');
  }, SLOW);

  it('a slice without its mask and a question about a missing image are named (exit 1)', async () => {
    const broken = path.join(dir, 'broken');
    await writeSyntheticEvalData(broken);
    await unlink(path.join(broken, 'lung-ct', 'val', 'masks', 'SYN_val_01.png'));
    await unlink(path.join(broken, 'vqa-rad', 'images', 'synth-head-1.png'));
    let r = await run(['--dataset', 'lung-ct', '--split', 'val', '--model', tinyRandomDir, '--data-dir', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('lacks the mask of 1 slice(s): SYN_val_01.png');
    r = await run(['--dataset', 'vqa-rad', '--split', 'test', '--model', tinyRandomDir, '--data-dir', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('lacks 1 image(s) testset.json names: synth-head-1.png');
  }, SLOW);

  it('a model that does not segment "lung" cannot be scored on lung-ct (exit 2, before any work)', async () => {
    const noMask = path.join(dir, 'no-lung-model');
    cpSync(tinyRandomDir, noMask, { recursive: true });
    const config = JSON.parse(readFileSync(path.join(noMask, 'config.json'), 'utf8'));
    writeFileSync(path.join(noMask, 'config.json'), JSON.stringify({ ...config, segment_prompts: [] }));
    const r = await run(['--dataset', 'lung-ct', '--split', 'val', '--model', noMask, '--data-dir', data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-lung-model cannot be scored on lung-ct: it declares no segmentation prompt (no mask task)');
  }, SLOW);
});

// The bundled default (0.3 folder rules: padding, presence threshold) and 0.2.0 (the 0.2 layout), each against the
// eval.json evaluate.py wrote beside it.
describe.each([...new Set([shippedModelDir, v020ModelDir])].map((dir) => ({ dir, name: path.basename(dir) })))('vesalius eval on the real data with $name', ({ dir: bundled }) => {
  const realData = resolveDataDir();
  const evalJsonFile = path.join(bundled, 'eval.json');
  const ready = realData !== null && existsSync(path.join(realData, 'lung-ct', 'val')) && existsSync(evalJsonFile);
  const why = realData === null ? dataDirMissingMessage() : `no lung-ct/val under ${realData} or no ${evalJsonFile}`;
  // ONNX Runtime vs PyTorch float differences flip a few of a slice's 512² mask pixels: on the 27 val slices the
  // largest per-slice difference measured was 4.3e-5 (lung IoU mean 0.935573 vs evaluate.py's 0.935578)
  const PIXEL_FLIP_BOUND = 1e-4;
  it.skipIf(!ready)(`lung-ct val, first 3 slices: per-slice IoU within ${PIXEL_FLIP_BOUND} of the folder's eval.json${ready ? '' : ` — skipped: ${why}`}`, async () => {
    const reference = JSON.parse(readFileSync(evalJsonFile, 'utf8')).lung_ct_val.model;
    const r = await vesalius(['eval', '--dataset', 'lung-ct', '--split', 'val', '--limit', '3', '--model', bundled, '--data-dir', realData!, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const perSlice = JSON.parse(r.stdout).figures.iou_per_slice as Record<string, number>;
    expect(Object.keys(perSlice)).toHaveLength(3);
    for (const [name, value] of Object.entries(perSlice)) expect(Math.abs(value - reference.iou_per_slice[name]), name).toBeLessThanOrEqual(PIXEL_FLIP_BOUND);
  }, SLOW);
});
