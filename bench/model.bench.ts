// Latency of the assistant model on 2 threads (the laptop target): image encode, answer, mask, caption,
// for a CT slice and, side by side, the same calls on a blanked image (constant air).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { resolveDataDir } from '../core/config/data-dir';
import { loadModelFolder } from '../core/model/config';
import type { RawImage } from '../core/model/preprocess';
import { shippedModelDir, tinyRandomDir } from '../core/model/test-models';
import { createOrtBackend } from '../workers/inference/backend';
import { VisionLanguageModel } from '../workers/inference/model';

const WARMUP = 2;
const RUNS = 15;
const TARGET_MS = { encode: 100, answer: 150, mask: 150, caption: 400 } as const;
const QUESTION = 'Is there a pneumothorax?';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function timeMedian(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return median(times);
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

async function measure(model: VisionLanguageModel, image: RawImage) {
  const encode = await timeMedian(() => model.encodeUncached(image));
  await model.encode(image); // The remaining calls reuse the cached encoding, as in the app.
  const answer = await timeMedian(() => model.answer(image, QUESTION));
  const mask = await timeMedian(() => model.segment(image, 'lung'));
  const caption = await timeMedian(() => model.caption(image));
  const tokens = {
    answer: (await model.answer(image, QUESTION)).tokenIds.length,
    caption: (await model.caption(image)).tokenIds.length,
  };
  return { encode, answer, mask, caption, tokens };
}

export async function run(): Promise<void> {
  const modelDir = existsSync(path.join(shippedModelDir, 'config.json')) ? shippedModelDir : tinyRandomDir;
  const folder = loadModelFolder(modelDir);
  const model = await VisionLanguageModel.load(folder, createOrtBackend({ intraOpNumThreads: 2 }));
  const { image, source } = benchImage();
  const blank: RawImage = { ...image, data: new (image.data.constructor as Uint16ArrayConstructor)(image.data.length).fill(24) }; // HU −1000: air
  try {
    const ours = await measure(model, image);
    const blanked = await measure(model, blank);
    console.log(`model ${folder.name} (${folder.config.parameters.toLocaleString('en-US')} parameters), intraOpNumThreads 2, median of ${RUNS} runs`);
    console.log(`image: ${source}; baseline: the same ${image.width}×${image.height} image blanked to air`);
    console.log('step       target    image   blanked');
    for (const step of ['encode', 'answer', 'mask', 'caption'] as const) {
      const verdict = ours[step] <= TARGET_MS[step] ? 'ok' : 'OVER TARGET';
      console.log(`${step.padEnd(8)} ${`≤${TARGET_MS[step]} ms`.padStart(9)} ${ours[step].toFixed(1).padStart(7)} ms ${blanked[step].toFixed(1).padStart(7)} ms  ${verdict}`);
    }
    console.log(`generated tokens: answer ${ours.tokens.answer} (blanked ${blanked.tokens.answer}), caption ${ours.tokens.caption} (blanked ${blanked.tokens.caption})`);
  } finally {
    await model.release();
  }
}
