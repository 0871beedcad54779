// Caption streaming and the caption's probability (tiny-random): the steps the decoder reports, in process and
// through the worker, and the probability recomputed from a separate onnxruntime session of the text decoder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFolder } from '../model/config';
import { tinyRandomDir } from '../model/test-models';
import { createOrtBackend } from '../../workers/inference/backend';
import { workerStarter } from '../../workers/inference/worker-process';
import { int64Tensor, VisionLanguageModel, type GenerationStep } from './model';
import { captionPipeline } from './pipelines';
import type { WorkerImage } from './protocol';
import { InferenceClient } from './worker-client';

/** A CT slice with the header tags the caption's forced prefix is made of (modality, plane). */
const ctImage = (): WorkerImage => {
  const width = 48;
  const height = 40;
  const data = new Int16Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 37) % 1400) + 24; // stored; HU = stored − 1024
  return { kind: 'hu', width, height, data, slope: 1, intercept: -1024, header: { modality: 'CT', imageOrientationPatient: [1, 0, 0, 0, 1, 0] } };
};

/** What every stream must satisfy: grows at its end one token at a time, deltas concatenate to the final text. */
function expectWellFormedStream(steps: GenerationStep[], final: { text: string; tokenIds: number[]; forcedTokens: number }) {
  const generated = final.tokenIds.length - final.forcedTokens;
  expect(steps).toHaveLength((final.forcedTokens > 0 ? 1 : 0) + generated);
  expect(steps.map((s) => s.delta).join('')).toBe(final.text);
  expect(steps.at(-1)?.text ?? '').toBe(final.text);
  let previous = '';
  steps.forEach((step, i) => {
    expect(step.text).toBe(previous + step.delta);
    expect(step.tokens).toBe(final.forcedTokens > 0 ? final.forcedTokens + i : i + 1);
    previous = step.text;
  });
}

describe('caption streaming in process (tiny-random)', () => {
  let model: VisionLanguageModel;
  beforeAll(async () => {
    model = await VisionLanguageModel.load(loadModelFolder(tinyRandomDir), createOrtBackend({ intraOpNumThreads: 1 }));
  });
  afterAll(() => model.release());

  it('reports the forced header words, then each token, in order; the deltas concatenate to the final text', async () => {
    const steps: GenerationStep[] = [];
    const out = await captionPipeline(model, ctImage(), (step) => steps.push(step));
    expect(out.forcedTokens).toBeGreaterThan(0); // CT + axial are forced
    expect(steps[0]).toMatchObject({ tokens: out.forcedTokens, text: model.tokenizer.decode(out.tokenIds.slice(0, out.forcedTokens)) });
    expectWellFormedStream(steps, out);
    // The same caption without a listener: streaming changes nothing in the answer.
    expect(await captionPipeline(model, ctImage())).toEqual(out);
  });

  it('the probability is in (0, 1] and equals the product of the greedy tokens’ softmax probabilities, <eos> included', async () => {
    const image = ctImage();
    const out = await captionPipeline(model, image);
    expect(out.probability).toBeGreaterThan(0);
    expect(out.probability).toBeLessThanOrEqual(1);

    // Recomputed from a separate session of the decoder graph, in float64, over the sequence the caption took.
    const folder = loadModelFolder(tinyRandomDir);
    const { config } = folder;
    const decoder = await createOrtBackend({ intraOpNumThreads: 1 }).load(folder.onnxPaths.textDecoder);
    try {
      const encoding = await model.encode(image);
      const prefix = model.text.captionPrefixIds();
      const generated = out.tokenIds.slice(out.forcedTokens);
      const stoppedAtEos = generated.length < config.max_caption_tokens && prefix.length + out.tokenIds.length < config.max_text_len;
      const chosen = stoppedAtEos ? [...generated, config.eos_token_id] : generated;
      let product = 1;
      for (let step = 0; step < chosen.length; step++) {
        const ids = [...prefix, ...out.tokenIds.slice(0, out.forcedTokens + step)];
        const feeds = Object.fromEntries(decoder.inputNames.map((name) => [name, name === 'input_ids' ? int64Tensor(ids) : encoding[name]]));
        const { logits } = await decoder.run(feeds);
        const vocab = logits.dims[2];
        const row = Array.from(logits.data as Float32Array).slice((ids.length - 1) * vocab, ids.length * vocab);
        const top = Math.max(...row);
        expect(row[chosen[step]]).toBe(top); // greedy: the chosen token is the argmax
        product *= 1 / row.reduce((sum, v) => sum + Math.exp(v - top), 0);
      }
      expect(Math.abs(out.probability - product) / product).toBeLessThan(1e-9);
    } finally {
      await decoder.release();
    }
  });
});

describe('caption streaming through the worker (tiny-random)', () => {
  const client = new InferenceClient({ modelDir: tinyRandomDir, requestTimeoutMs: 60_000, start: workerStarter() });
  afterAll(() => client.dispose());

  it('the worker’s token events arrive in order before the answer, which carries the same text and probability as in process', async () => {
    const steps: GenerationStep[] = [];
    let answered = false;
    const result = await client.caption(ctImage(), {
      onToken: (step) => {
        expect(answered).toBe(false);
        steps.push(step);
      },
    });
    answered = true;
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    expectWellFormedStream(steps, result.value);

    const model = await VisionLanguageModel.load(loadModelFolder(tinyRandomDir), createOrtBackend({ intraOpNumThreads: 1 }));
    try {
      const inProcess = await captionPipeline(model, ctImage());
      expect(result.value.text).toBe(inProcess.text);
      expect(result.value.probability).toBeCloseTo(inProcess.probability, 12);
    } finally {
      await model.release();
    }
  });

  it('a listener that throws fails its request in words; the worker serves the next one', async () => {
    const failed = await client.caption(ctImage(), {
      onToken: () => {
        throw new Error('page closed');
      },
    });
    expect(failed).toMatchObject({ ok: false, error: { code: 'internal', message: 'tiny-random: caption: the token listener failed: page closed' } });
    expect((await client.caption(ctImage())).ok).toBe(true);
    expect(client.starts).toBe(1);
  });
});
