import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFolder } from '../core/model/config';
import { modelsDir, tinyRandomDir } from '../core/model/test-models';
import { writeTestImages, type TestImages } from './assistant-test-images';
import { vesalius } from './test-run';

let dir: string;
let images: TestImages;
let env: NodeJS.ProcessEnv;
const tiny = loadModelFolder(tinyRandomDir);
/** Each run starts a CLI process and (for most) a worker that loads the model: seconds each on a busy machine. */
const SLOW = 240_000;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vesalius-classify-cli-'));
  images = await writeTestImages(dir);
  env = { VESALIUS_HOME: path.join(dir, 'home') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ClassifyJson {
  file: string;
  frame: number;
  model: string;
  version: string;
  sets: { name: string; labels: { label: string; probability: number; cosine: number }[] }[];
  ms: number;
  input: string;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('vesalius classify (tiny-random)', () => {
  it('classifies a CT DICOM file by modality and region: probabilities summing to 1, the softmax of the model’s scale × cosine', async () => {
    const run = await vesalius(['classify', images.ct, '--model', tinyRandomDir, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as ClassifyJson;
    expect(doc).toMatchObject({ file: images.ct, frame: 1, model: 'tiny-random', version: tiny.config.version, input: 'CT: HU = stored × 1 + -1024' });
    expect(doc.sets.map((s) => s.name)).toEqual(['modality', 'region']);
    expect(doc.sets[0].labels.map((l) => l.label).sort()).toEqual(['ct', 'mri', 'ultrasound', 'x-ray']);
    expect(doc.sets[1].labels.map((l) => l.label).sort()).toEqual(['abdomen', 'chest', 'head']);
    const scale = Math.exp(tiny.config.embeddings!.logit_scale!);
    for (const set of doc.sets) {
      expect(sum(set.labels.map((l) => l.probability))).toBeCloseTo(1, 9);
      const [top, next] = set.labels;
      expect(top.probability).toBeGreaterThanOrEqual(next.probability);
      expect(top.probability / next.probability).toBeCloseTo(Math.exp(scale * (top.cosine - next.cosine)), 6);
    }
  }, SLOW);

  it('classifies a PNG into the given labels, one line "labels:" with each label’s percentage, most probable first', async () => {
    const run = await vesalius(['classify', images.huPng, '--labels', ' chest, head ,abdomen', '--model', tinyRandomDir], env);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const match = /^labels: (\S+) ([\d.]+) %, (\S+) ([\d.]+) %, (\S+) ([\d.]+) %$/.exec(lines[0]);
    expect(match, lines[0]).not.toBeNull();
    const [, a, pa, b, pb, c, pc] = match!;
    expect([a, b, c].sort()).toEqual(['abdomen', 'chest', 'head']);
    expect(Number(pa)).toBeGreaterThanOrEqual(Number(pb));
    expect(Number(pb)).toBeGreaterThanOrEqual(Number(pc));
    expect(Number(pa) + Number(pb) + Number(pc)).toBeCloseTo(100, 0);
  }, SLOW);

  it('refuses what is not an image, unusable labels and a model without embeddings (exit 1), usage errors exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['classify', images.text, '--model', tinyRandomDir], /notes\.txt: not an image: neither DICOM, PNG nor JPEG/],
      [['classify', images.ct, '--labels', 'chest', '--model', tinyRandomDir], /--labels "chest": give at least two labels to choose between/],
      [['classify', images.ct, '--labels', 'chest,,head', '--model', tinyRandomDir], /--labels "chest,,head": label 2 is empty/],
      [['classify', images.ct, '--labels', 'chest,chest', '--model', tinyRandomDir], /label 2 repeats "chest"/],
      [['classify', images.ct, '--model', path.join(modelsDir, 'vesalius-vlm-0.2.0')], /vesalius-vlm-0\.2\.0 \(version 0\.2\.0\) has no image_embed \/ text_embed graphs .*cannot classify/],
    ];
    for (const [args, reason] of cases) {
      const run = await vesalius(args, env);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(reason);
      expect(run.stdout).toBe('');
    }
    const usage = await vesalius(['classify'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/give the image to classify\nUsage: vesalius classify <image> \[--labels "a,b,c"\]/);
    const help = await vesalius(['--help'], env);
    expect(help.stdout).toMatch(/vesalius classify <image> \[--labels "a,b,c"\] \[--model DIR\|NAME\] \[--json\]/);
  }, SLOW);
});
