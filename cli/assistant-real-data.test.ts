// The assistant commands with the bundled model on real images from the data directory (skipped, saying
// why, where either is absent): a lung CT validation slice is segmented as well as the model does in
// Python, and what the model says about a head image is what that model can say.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../core/config/data-dir';
import { defaultModel, loadModelFolder } from '../core/model/config';
import { decodePngLabels } from '../core/masks/png';
import { scoreCase } from '../core/metrics/segmentation';
import { modelsDir } from '../core/model/test-models';
import { vesalius } from './test-run';

const dataDir = resolveDataDir();
if (!dataDir) console.log(dataDirMissingMessage());
const valImages = dataDir ? path.join(dataDir, 'lung-ct', 'val', 'images') : '';
const valMasks = dataDir ? path.join(dataDir, 'lung-ct', 'val', 'masks') : '';
/** A head CT of VQA-RAD's test set ("In which two ventricles can calcifications be seen on this CT scan?"). */
const headImage = dataDir ? path.join(dataDir, 'vqa-rad', 'images', 'synpic16520.jpg') : '';
const bundled = defaultModel(modelsDir);
if (!bundled) console.log(`no bundled model under ${modelsDir}: skipping the CLI's real-data checks`);
const haveData = dataDir !== null && existsSync(valImages) && existsSync(headImage);
if (dataDir && !haveData) console.log(`${dataDir} lacks lung-ct/val or vqa-rad/images: skipping the CLI's real-data checks`);

const SLOW = 300_000;

interface SegmentJson {
  segmented: Array<{ file: string; output: string; width: number; height: number; present: boolean; presence: number | null; pixels: number }>;
  failed: unknown[];
}

describe.skipIf(!bundled || !haveData)(`vesalius segment with the bundled model (${bundled?.name}) on real images`, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vesalius-cli-real-'));
    env = { VESALIUS_HOME: path.join(dir, 'home') };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('segments "lung" on lung-ct validation slices (16-bit PNG, HU + 1024) as the Python evaluation does; IoU above 0.9 on the first', async () => {
    const names = readdirSync(valImages).filter((f) => f.endsWith('.png')).sort().slice(0, 3);
    const out = path.join(dir, 'lung');
    const run = await vesalius(['segment', ...names.map((n) => path.join(valImages, n)), '--prompt', 'lung', '--out', out, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as SegmentJson;
    expect(doc.failed).toEqual([]);
    const ious: number[] = [];
    for (const name of names) {
      const truth = decodePngLabels(await readFile(path.join(valMasks, name)), name);
      const predicted = decodePngLabels(await readFile(path.join(out, name)), `predicted ${name}`);
      const score = scoreCase(truth, predicted);
      expect(score.labels.map((l) => l.label), name).toEqual([255]);
      ious.push(score.labels[0].iou ?? 0);
    }
    console.log(`vesalius segment, ${bundled?.name}, lung IoU on ${names.join(', ')}: ${ious.map((v) => v.toFixed(3)).join(', ')}`);
    expect(ious[0]).toBeGreaterThan(0.9);
    // The model's own figures from models/training/evaluate.py (eval.json beside it), slice by slice: the CLI's
    // decoding, preprocessing and mask resize are the evaluation's (0.2.0 has a weak slice here: 0.767 in both).
    const evalFile = path.join(bundled!.dir, 'eval.json');
    if (existsSync(evalFile)) {
      const python = (JSON.parse(await readFile(evalFile, 'utf8')) as { lung_ct_val?: { model?: { iou_per_slice?: Record<string, number> } } }).lung_ct_val?.model?.iou_per_slice ?? {};
      names.forEach((name, i) => {
        if (python[name] !== undefined) expect(Math.abs(ious[i] - python[name]), name).toBeLessThan(0.01);
      });
    }
  }, SLOW);

  it('on a head CT (JPEG) the mask has the image\'s size, and "present" is what the model\'s presence output says', async () => {
    const folder = loadModelFolder(bundled!.dir);
    const out = path.join(dir, 'head');
    const run = await vesalius(['segment', headImage, '--prompt', 'lung', '--out', out, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const [entry] = (JSON.parse(run.stdout) as SegmentJson).segmented;
    const written = decodePngLabels(await readFile(entry.output), 'head mask');
    expect(written.shape.slice(0, 2)).toEqual([entry.width, entry.height]);
    expect(Array.from(written.data).filter((v) => v > 0).length).toBe(entry.pixels);
    const threshold = folder.config.presence_threshold;
    if (threshold !== undefined) {
      // A 0.3 model: "present" is presence ≥ threshold, and below it the mask is empty. That the bundled model
      // finds no lung here (issue 13) is not asserted yet: 0.3.0's presence head is under-trained (MODEL_CARD.md:
      // empty-mask rate 0 on 103 head images; on this one presence 0.80, 19 % of the image painted).
      expect(entry.presence).toBeGreaterThanOrEqual(0);
      expect(entry.presence).toBeLessThanOrEqual(1);
      expect(entry.present).toBe(entry.presence! >= threshold);
      if (!entry.present) expect(entry.pixels).toBe(0);
    } else {
      // 0.2.0 has no presence output (its evaluation: empty-mask rate 0 on 103 head images), so nothing is
      // asserted of the mask's content: presence is unknown and "present" just says whether it has pixels.
      expect(entry.presence).toBeNull();
      expect(entry.present).toBe(entry.pixels > 0);
    }
  }, SLOW);
});
