// Test helper: a small deterministic data directory in the layouts models/training/evaluate.py reads
// (lung-ct/{train,val}/{images,masks}, vqa-rad/{trainset,testset}.json + images/), written by the
// project's own PNG writer, so `vesalius eval` and evaluate.py can be run on the very same files.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { labelPng } from '../core/masks/mask-fixtures';

/** Side of every synthetic slice and image (square: evaluate.py's "pad" caches refuse other lung slices). */
export const SYNTHETIC_SIDE = 96;

/** A tiny deterministic generator (mulberry32), so every run writes the same bytes. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface LungShape {
  /** Half gap between the lungs and their outer extent, as fractions of the body's half width. */
  inner: number;
  outer: number;
  /** Vertical half extent of the lungs (fraction of the body's half height). */
  tall: number;
}

/** A chest slice as stored values (HU + 1024, noisy) and its binary lung mask (255 = lung). */
function chestSlice(shape: LungShape, seed: number): { image: number[]; mask: number[] } {
  const s = SYNTHETIC_SIDE;
  const next = random(seed);
  const image: number[] = [];
  const mask: number[] = [];
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const u = (x - s / 2) / (0.45 * s);
      const v = (y - s / 2) / (0.38 * s);
      const inBody = u * u + v * v < 1;
      const inLung = inBody && shape.tall > 0 && Math.abs(u) > shape.inner && Math.abs(u) < shape.outer && Math.abs(v) < shape.tall;
      const hu = !inBody ? -1000 : inLung ? -860 : 30;
      image.push(Math.max(0, Math.round(hu + 1024 + (next() - 0.5) * 60)));
      mask.push(inLung ? 255 : 0);
    }
  }
  return { image, mask };
}

const LUNG_SLICES: Record<'train' | 'val', LungShape[]> = {
  train: [
    { inner: 0.12, outer: 0.7, tall: 0.6 },
    { inner: 0.2, outer: 0.65, tall: 0.5 },
    { inner: 0.1, outer: 0.75, tall: 0.7 },
  ],
  val: [
    { inner: 0.15, outer: 0.7, tall: 0.6 },
    { inner: 0.25, outer: 0.6, tall: 0.4 },
    { inner: 0.05, outer: 0.8, tall: 0.65 },
    { inner: 0.3, outer: 0.5, tall: 0.12 },
  ],
};

/** 8-bit grey texture: a bright blob on a gradient, different per image. */
function grayImage(seed: number): number[] {
  const s = SYNTHETIC_SIDE;
  const next = random(seed);
  const cx = s * (0.3 + 0.4 * next());
  const cy = s * (0.3 + 0.4 * next());
  const r = s * (0.1 + 0.2 * next());
  const values: number[] = [];
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const d = Math.hypot(x - cx, y - cy);
      values.push(Math.min(255, Math.round((x + y) * 0.6 + (d < r ? 120 : 0) + next() * 20)));
    }
  }
  return values;
}

const VQA_IMAGES = [
  { name: 'synth-chest-1.png', organ: 'CHEST' },
  { name: 'synth-chest-2.png', organ: 'CHEST' },
  { name: 'synth-head-1.png', organ: 'HEAD' },
  { name: 'synth-head-2.png', organ: 'HEAD' },
  { name: 'synth-abd-1.png', organ: 'ABD' },
  { name: 'synth-abd-2.png', organ: 'ABD' },
  // train only (evaluate.py's constant-caption baseline takes the captions of train images not in the test set)
  { name: 'synth-train-chest.png', organ: 'CHEST' },
  { name: 'synth-train-head.png', organ: 'HEAD' },
];
/** Test questions are about the first six images. */
const TEST_IMAGES = 6;

/** [question, answer, answer type, question type]; words of the tiny model's vocabulary, and some that are refused. */
const QUESTIONS: [string, string, 'CLOSED' | 'OPEN', string][] = [
  ['is there a pneumothorax?', 'no', 'CLOSED', 'PRES'],
  ['is the heart normal?', 'yes', 'CLOSED', 'ABN'],
  ['is there a mass?', 'yes', 'CLOSED', 'PRES'],
  ['where is the mass?', 'left lung', 'OPEN', 'POS'],
  ['is there an effusion?', 'no', 'CLOSED', 'PRES'],
  ['what is the abnormal?', 'fracture', 'OPEN', 'ABN'],
  ['is the liver normal?', 'no', 'CLOSED', 'ABN'],
  ['is this a ct?', 'yes', 'CLOSED', 'MODALITY'],
  ['what plane is this?', 'axial', 'OPEN', 'PLANE'],
  ['which cardiophrenic recess demonstrates blunting bilaterally?', 'right', 'OPEN', 'POS'],
];

/**
 * Test answers that differ from the train answers: tiny-random answers '' or 'extremity …' (random
 * weights), so these two score through the article rule ('The' → '', 'the extremity' → 'extremity')
 * and the agreement test compares accuracies that are not all zero.
 */
const TEST_ANSWERS: Record<number, string> = { 0: 'The', 3: 'the extremity' };

export interface SyntheticEvalData {
  dir: string;
  lungVal: string[];
  vqaTest: number;
}

/** Writes the synthetic data directory into `dir` (created). */
export async function writeSyntheticEvalData(dir: string): Promise<SyntheticEvalData> {
  const s = SYNTHETIC_SIDE;
  const lungVal: string[] = [];
  for (const split of ['train', 'val'] as const) {
    const images = path.join(dir, 'lung-ct', split, 'images');
    const masks = path.join(dir, 'lung-ct', split, 'masks');
    await mkdir(images, { recursive: true });
    await mkdir(masks, { recursive: true });
    for (const [k, shape] of LUNG_SLICES[split].entries()) {
      const name = `SYN_${split}_${String(k).padStart(2, '0')}.png`;
      const { image, mask } = chestSlice(shape, 1000 * (split === 'val' ? 2 : 1) + k);
      await writeFile(path.join(images, name), labelPng(s, s, image, 16));
      await writeFile(path.join(masks, name), labelPng(s, s, mask, 8));
      if (split === 'val') lungVal.push(name);
    }
  }
  const vqa = path.join(dir, 'vqa-rad');
  await mkdir(path.join(vqa, 'images'), { recursive: true });
  for (const [k, image] of VQA_IMAGES.entries()) await writeFile(path.join(vqa, 'images', image.name), labelPng(s, s, grayImage(500 + k), 8));
  let qid = 0;
  const record = (imageIndex: number, q: (typeof QUESTIONS)[number], answer = q[1]) => ({
    qid: ++qid,
    image_name: VQA_IMAGES[imageIndex].name,
    image_organ: VQA_IMAGES[imageIndex].organ,
    answer,
    answer_type: q[2],
    question_type: q[3],
    question: q[0],
    phrase_type: 'freeform',
  });
  // train: every question about every image (80); test: each question about one of the first six images (10)
  const train = VQA_IMAGES.flatMap((_, i) => QUESTIONS.map((q) => record(i, q)));
  const test = QUESTIONS.map((q, k) => record(k % TEST_IMAGES, q, TEST_ANSWERS[k]));
  await writeFile(path.join(vqa, 'trainset.json'), `${JSON.stringify(train, null, 1)}\n`);
  await writeFile(path.join(vqa, 'testset.json'), `${JSON.stringify(test, null, 1)}\n`);
  return { dir, lungVal, vqaTest: test.length };
}
