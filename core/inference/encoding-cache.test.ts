import { afterEach, describe, expect, it } from 'vitest';
import { loadModelFolder } from '../model/config';
import { tinyRandomDir } from '../model/test-models';
import { createOrtBackend } from '../../workers/inference/backend';
import type { InferenceBackend } from './backend';
import { ENCODING_CACHE_LIMITS, encodingBytes, VisionLanguageModel, type EncodingCacheLimits, type ModelImage } from './model';

/** The ORT backend, counting image encoder runs. */
function countingBackend(): { backend: InferenceBackend; encoderRuns: () => number } {
  const inner = createOrtBackend({ intraOpNumThreads: 2 });
  let runs = 0;
  return {
    encoderRuns: () => runs,
    backend: {
      async load(file) {
        const session = await inner.load(file);
        const isEncoder = file.endsWith('image_encoder.onnx');
        return {
          file,
          inputNames: session.inputNames,
          outputNames: session.outputNames,
          run: (feeds) => {
            if (isEncoder) runs++;
            return session.run(feeds);
          },
          release: () => session.release(),
        };
      },
    },
  };
}

const image = (seed: number): ModelImage => {
  const data = new Uint8Array(32 * 32);
  for (let i = 0; i < data.length; i++) data[i] = (i * seed) % 256;
  return { kind: 'gray8', width: 32, height: 32, data };
};

const models: VisionLanguageModel[] = [];
afterEach(async () => {
  await Promise.all(models.splice(0).map((m) => m.release()));
});

async function load(cache?: EncodingCacheLimits) {
  const counting = countingBackend();
  const model = await VisionLanguageModel.load(loadModelFolder(tinyRandomDir), counting.backend, cache ? { cache } : {});
  models.push(model);
  return { model, encoderRuns: counting.encoderRuns };
}

describe('image encoding cache, bounded by memory', () => {
  it('states its bound: 32 MiB and 16 entries', () => {
    expect(ENCODING_CACHE_LIMITS).toEqual({ maxBytes: 32 * 1024 * 1024, maxEntries: 16 });
  });

  it('keeps encodings while their bytes fit, dropping the least recently used first', async () => {
    const probe = await load();
    const oneImageBytes = encodingBytes(await probe.model.encode(image(3)));
    expect(oneImageBytes).toBeGreaterThan(0);
    expect(probe.model.cacheUsage).toEqual({ entries: 1, bytes: oneImageBytes });

    // Room for two encodings by bytes (the entry bound is not what limits here).
    const { model, encoderRuns } = await load({ maxBytes: 2 * oneImageBytes + 1, maxEntries: 100 });
    await model.encode(image(3));
    await model.encode(image(5));
    await model.encode(image(3)); // refreshed: image 5 is now the oldest
    expect(encoderRuns()).toBe(2);
    await model.encode(image(7));
    expect(model.cacheUsage).toEqual({ entries: 2, bytes: 2 * oneImageBytes });
    await model.encode(image(3));
    expect(encoderRuns()).toBe(3); // 3 stayed
    await model.encode(image(5));
    expect(encoderRuns()).toBe(4); // 5 was dropped
  });

  it('bounds the number of entries, and keeps the newest one even when it alone is over the byte bound', async () => {
    const few = await load({ maxBytes: Number.MAX_SAFE_INTEGER, maxEntries: 2 });
    for (const seed of [3, 5, 7, 9]) await few.model.encode(image(seed));
    expect(few.model.cacheUsage.entries).toBe(2);

    const tiny = await load({ maxBytes: 1, maxEntries: 16 });
    await tiny.model.encode(image(3));
    await tiny.model.encode(image(3));
    expect(tiny.encoderRuns()).toBe(1);
    await tiny.model.encode(image(5));
    expect(tiny.model.cacheUsage.entries).toBe(1);
  });
});
