// Writes cli/fixtures/eval-agreement-python.json: models/training/evaluate.py's figures for
// models/tiny-random on the synthetic data directory of eval-synthetic-data.ts, which
// cli/eval-command.test.ts holds `vesalius eval` to (CI has no Python). Run here, where Python with
// torch is:   npx tsx cli/eval-agreement-fixture.ts
// Two things evaluate.py needs that the synthetic directory does not give it (its gaps, as found):
//  * its preprocessed cache is models/training/.work/cache_S<size>.npz, keyed by the image size only,
//    not by the data directory, so a run on another data directory would read the real data's cache:
//    the run uses a copy of models/training without .work/;
//  * it always reads the real CT series dicom/ct-series-totalseg (the "no lung" slices): the synthetic
//    directory links it from the real data directory.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot, resolveDataDir } from '../core/config/data-dir';
import { writeSyntheticEvalData } from './eval-synthetic-data';

export const AGREEMENT_FIXTURE = path.join(projectRoot, 'cli', 'fixtures', 'eval-agreement-python.json');
export const TINY_MODEL = path.join(projectRoot, 'models', 'tiny-random');

/** sha256 of each file of a model folder, so a regenerated tiny model is noticed instead of silently disagreeing. */
export function modelDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (!/\.(onnx|json)$/.test(name) || name === 'eval.json') continue;
    out[name] = createHash('sha256').update(readFileSync(path.join(dir, name))).digest('hex');
  }
  return out;
}

async function main(): Promise<void> {
  const realData = resolveDataDir();
  if (!realData) throw new Error('the real data directory is needed for dicom/ct-series-totalseg (set VESALIUS_DATA_DIR)');
  const work = mkdtempSync(path.join(tmpdir(), 'vesalius-eval-agreement-'));
  try {
    const data = path.join(work, 'data');
    await writeSyntheticEvalData(data);
    mkdirSync(path.join(data, 'dicom'));
    symlinkSync(path.join(realData, 'dicom', 'ct-series-totalseg'), path.join(data, 'dicom', 'ct-series-totalseg'));
    const training = path.join(work, 'training');
    cpSync(path.join(projectRoot, 'models', 'training'), training, { recursive: true, filter: (src) => !/[\\/](\.work|__pycache__)$/.test(src) });
    const out = path.join(work, 'eval.json');
    const args = [path.join(training, 'evaluate.py'), '--model', TINY_MODEL, '--data-dir', data, '--no-latency', '--out', out];
    const run = spawnSync('/usr/bin/python3', args, { stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`evaluate.py exited with ${run.status}`);
    const py = JSON.parse(readFileSync(out, 'utf8'));
    const lung = py.lung_ct_val.model;
    const fixture = {
      note: 'written by cli/eval-agreement-fixture.ts; do not edit by hand',
      command: 'npx tsx cli/eval-agreement-fixture.ts (runs /usr/bin/python3 <copy of models/training>/evaluate.py --model models/tiny-random --data-dir <eval-synthetic-data.ts dir> --no-latency --out <tmp>)',
      torch: py.torch,
      model: path.relative(projectRoot, TINY_MODEL),
      model_files_sha256: modelDigest(TINY_MODEL),
      lung_ct_val: Object.fromEntries(
        ['iou', 'iou_min', 'iou_median', 'worst_slice', 'iou_pooled', 'iou_per_slice', 'miou', 'iou_left_lung', 'iou_right_lung', 'judged_present_rate', 'n'].map((k) => [k, lung[k]]),
      ),
      vqa_rad_test: { model: py.vqa_rad_test.model, refusals_test: py.vqa_rad_test.refusals_test },
      captions_test_images: { model: py.captions_test_images.model, n_images: py.captions_test_images.n_images, examples: py.examples },
    };
    mkdirSync(path.dirname(AGREEMENT_FIXTURE), { recursive: true });
    writeFileSync(AGREEMENT_FIXTURE, `${JSON.stringify(fixture, null, 1)}\n`);
    console.log(`wrote ${AGREEMENT_FIXTURE}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main();
