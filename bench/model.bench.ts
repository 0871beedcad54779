// Latency of the assistant model on 2 threads (the laptop target): image encode, answer, mask, caption,
// for a CT slice and, side by side, the same calls on a blanked image (pixel_values 0, the evaluation's baseline).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { resolveDataDir } from '../core/config/data-dir';
import { loadModelFolder } from '../core/model/config';
import type { RawImage } from '../core/model/preprocess';
import { shippedModelDir, tinyRandomDir } from '../core/model/test-models';
import { createOrtBackend } from '../workers/inference/backend';
import { VisionLanguageModel } from '../core/inference/model';
import { captionPipeline, segmentPipeline, vqaPipeline } from '../core/inference/pipelines';

const WARMUP = 2;
const RUNS = 15;
const TARGET_MS = { encode: 100, answer: 150, mask: 150, caption: 400 } as const;
const QUESTION = 'Is there a pneumothorax?';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Medians of two functions timed alternately, so a busy machine slows both sides alike. */
async function timeMediansAlternating(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  for (let i = 0; i < WARMUP; i++) {
    await a();
    await b();
  }
  const timesA: number[] = [];
  const timesB: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let started = performance.now();
    await a();
    timesA.push(performance.now() - started);
    started = performance.now();
    await b();
    timesB.push(performance.now() - started);
  }
  return [median(timesA), median(timesB)];
}

/** A real lung CT slice (16-bit PNG holding HU + 1024) when the data directory is present, else a synthetic one. */
function benchImage(): { image: RawImage; source: string } {
  const dataDir = resolveDataDir();
  const imagesDir = dataDir ? path.join(dataDir, 'lung-ct', 'val', 'images') : null;
  if (imagesDir && existsSync(imagesDir)) {
    const file = readdirSync(imagesDir).filter((f) => f.endsWith('.png')).sort()[0];
    if (file) {
      const png = PNG.sync.read(readFileSync(path.join(imagesDir, file)), { skipRescale: true });
      const rgba = png.data as unknown as Uint16Array;
      const stored = new Uint16Array(png.width * png.height);
      for (let i = 0; i < stored.length; i++) stored[i] = rgba[4 * i];
      return { image: { kind: 'hu', width: png.width, height: png.height, data: stored, slope: 1, intercept: -1024 }, source: `lung-ct/val/images/${file}` };
    }
  }
  const size = 512;
  const stored = new Int16Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x - size / 2) / (0.45 * size);
      const v = (y - size / 2) / (0.4 * size);
      const inBody = u * u + v * v < 1;
      const inLung = Math.abs(u) > 0.15 && Math.abs(u) < 0.7 && Math.abs(v) < 0.6;
      stored[y * size + x] = (!inBody ? -1000 : inLung ? -850 : 40) + 1024;
    }
  }
  return { image: { kind: 'hu', width: size, height: size, data: stored, slope: 1, intercept: -1024 }, source: 'synthetic 512×512 CT phantom' };
}

type Step = 'encode' | 'answer' | 'mask' | 'caption';

/** Each step for the image and the blanked image, alternating; answer/mask/caption reuse the cached encoding, as in the app. */
async function measure(model: VisionLanguageModel, image: RawImage, blank: RawImage) {
  const both = (fn: (img: RawImage) => Promise<unknown>) => timeMediansAlternating(() => fn(image), () => fn(blank));
  const ms = {} as Record<Step, [number, number]>;
  ms.encode = await both((img) => model.encodeUncached(img));
  await model.encode(image);
  await model.encode(blank);
  ms.answer = await both((img) => vqaPipeline(model, img, QUESTION));
  ms.mask = await both((img) => segmentPipeline(model, img, 'lung'));
  ms.caption = await both((img) => captionPipeline(model, img));
  const tokens = async (img: RawImage) => ({ answer: (await vqaPipeline(model, img, QUESTION)).tokenIds.length, caption: (await captionPipeline(model, img)).tokenIds.length });
  return { ms, tokens: { image: await tokens(image), blank: await tokens(blank) } };
}

export async function run(): Promise<void> {
  // VESALIUS_BENCH_MODEL=<folder> times another model folder (e.g. the int8 variant) the same way.
  const modelDir = process.env.VESALIUS_BENCH_MODEL ?? (existsSync(path.join(shippedModelDir, 'config.json')) ? shippedModelDir : tinyRandomDir);
  const folder = loadModelFolder(modelDir);
  const model = await VisionLanguageModel.load(folder, createOrtBackend({ intraOpNumThreads: 2 }));
  const { image, source } = benchImage();
  // The evaluation's blank-image baseline feeds pixel_values of all zeros: a constant image at the normalisation mean.
  const { ct, mean } = folder.preprocessor;
  const blankHu = ct.hu_min + mean * (ct.hu_max - ct.hu_min);
  const blank: RawImage = { kind: 'hu', width: image.width, height: image.height, data: new Float32Array(image.width * image.height).fill(blankHu), slope: 1, intercept: 0 };
  try {
    const { ms, tokens } = await measure(model, image, blank);
    console.log(`model ${folder.name} (${folder.config.parameters.toLocaleString('en-US')} parameters), intraOpNumThreads 2, median of ${RUNS} runs`);
    console.log(`image: ${source}; baseline: a blanked ${image.width}×${image.height} image (pixel_values ≈ 0, as in the evaluation's blank-image baseline), timed alternately`);
    console.log('step       target    image   blanked');
    for (const step of ['encode', 'answer', 'mask', 'caption'] as const) {
      const [ours, blanked] = ms[step];
      const verdict = ours <= TARGET_MS[step] ? 'ok' : 'OVER TARGET';
      console.log(`${step.padEnd(8)} ${`≤${TARGET_MS[step]} ms`.padStart(9)} ${ours.toFixed(1).padStart(7)} ms ${blanked.toFixed(1).padStart(7)} ms  ${verdict}`);
    }
    console.log(`generated tokens: answer ${tokens.image.answer} (blanked ${tokens.blank.answer}), caption ${tokens.image.caption} (blanked ${tokens.blank.caption})`);
  } finally {
    await model.release();
  }
}
