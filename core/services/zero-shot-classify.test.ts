import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../contract/dispatch';
import type { Handlers } from '../contract/index';
import type { ClassifyAnswer } from '../contract/assistant';
import { err, ok } from '../contract/result';
import { loadModelFolder, type ModelFolder } from '../model/config';
import { tinyRandomDir } from '../model/test-models';
import { VisionLanguageModel } from '../inference/model';
import { imageEmbedPipeline, textEmbedPipeline } from '../inference/pipelines';
import type { InferencePort } from '../inference/port';
import type { WorkerImage } from '../inference/protocol';
import { DEFAULT_ZERO_SHOT_SETS, fillTemplate } from '../inference/zero-shot';
// The test is its own composition root: the tiny model's graphs run in this process, behind a port.
import { createOrtBackend } from '../../workers/inference/backend';
import { createAssistantHandlers } from './assistant-handlers';
import type { CallContext } from './context';
import { classifyImage, TextEmbeddingCache, type ClassifyPort } from './zero-shot-classify';

const tiny = loadModelFolder(tinyRandomDir);
let model: VisionLanguageModel;
beforeAll(async () => {
  model = await VisionLanguageModel.load(tiny, createOrtBackend({ intraOpNumThreads: 1 }));
});
afterAll(() => model.release());

/** The worker's embedding calls, answered in-process by the tiny model, counting what is asked (texts and text requests). */
function inProcessPort() {
  const calls = { image: 0, text: 0, textRequests: 0 };
  const port: ClassifyPort = {
    embedImage: async (image) => {
      calls.image++;
      return ok({ model: model.name, version: tiny.config.version, embedding: await imageEmbedPipeline(model, image), ms: 0 });
    },
    embedTexts: async (texts) => {
      calls.textRequests++;
      calls.text += texts.length;
      const embeddings: Float32Array[] = [];
      for (const text of texts) embeddings.push(await textEmbedPipeline(model, text));
      return ok({ model: model.name, version: tiny.config.version, embeddings, ms: 0 });
    },
  };
  return { port, calls };
}

const ctImage = (): WorkerImage => {
  const data = new Int16Array(48 * 40);
  for (let i = 0; i < data.length; i++) data[i] = ((i % 48) * 29 + Math.floor(i / 48) * 13) % 1800;
  return { kind: 'hu', width: 48, height: 40, slope: 1, intercept: -1024, data, header: { modality: 'CT' } };
};

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('classifyImage (tiny-random)', () => {
  it('classifies modality (4 labels) and region (3), each set’s probabilities summing to 1, most probable first', async () => {
    const result = await classifyImage(tiny, inProcessPort().port, ctImage(), undefined);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ model: 'tiny-random', version: tiny.config.version });
    expect(result.value.sets.map((s) => [s.name, s.labels.length])).toEqual([['modality', 4], ['region', 3]]);
    for (const set of result.value.sets) {
      expect(sum(set.labels.map((l) => l.probability))).toBeCloseTo(1, 9);
      const probabilities = set.labels.map((l) => l.probability);
      expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    }
  });

  it('equals a hand computation from the model’s text embeddings: template mean renormalised, softmax of exp(logit_scale) × cosine', async () => {
    const result = await classifyImage(tiny, inProcessPort().port, ctImage(), undefined);
    if (!result.ok) throw new Error(result.error.message);
    const image = Array.from(await imageEmbedPipeline(model, ctImage()));
    const scale = Math.exp(tiny.config.embeddings!.logit_scale!);
    for (const set of DEFAULT_ZERO_SHOT_SETS) {
      const cosines: number[] = [];
      for (const label of set.labels) {
        const vectors = await Promise.all(set.templates.map(async (t) => Array.from(await textEmbedPipeline(model, fillTemplate(t, label)))));
        const mean = image.map((_, i) => sum(vectors.map((v) => v[i])) / vectors.length);
        const norm = Math.hypot(...mean);
        cosines.push(sum(mean.map((m, i) => (m / norm) * image[i])));
      }
      const weights = cosines.map((c) => Math.exp(scale * c));
      const answered = result.value.sets.find((s) => s.name === set.name)!;
      set.labels.forEach((label, i) => {
        const got = answered.labels.find((l) => l.label === label)!;
        expect(got.cosine, `${set.name} ${label}`).toBeCloseTo(cosines[i], 5);
        expect(got.probability, `${set.name} ${label}`).toBeCloseTo(weights[i] / sum(weights), 5);
      });
    }
  });

  it('classifies into the user’s labels as one set "labels", each filled into "{}." and "{} image."', async () => {
    const { port, calls } = inProcessPort();
    const labels = ['pneumothorax', 'normal lung', 'effusion'];
    const result = await classifyImage(tiny, port, ctImage(), labels);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.sets).toHaveLength(1);
    expect(result.value.sets[0].name).toBe('labels');
    expect(result.value.sets[0].labels.map((l) => l.label).sort()).toEqual([...labels].sort());
    expect(sum(result.value.sets[0].labels.map((l) => l.probability))).toBeCloseTo(1, 9);
    expect(calls).toEqual({ image: 1, text: 6, textRequests: 1 });
  });

  it('keeps the text embeddings: a second image costs one image embedding and the same labels give the same cosines', async () => {
    const { port, calls } = inProcessPort();
    const cache = new TextEmbeddingCache();
    const first = await classifyImage(tiny, port, ctImage(), undefined, cache);
    // Each distinct text once: "ct, chest." is both modality's "{}, chest." and region's "ct, {}.".
    const texts = new Set(DEFAULT_ZERO_SHOT_SETS.flatMap((s) => s.labels.flatMap((l) => s.templates.map((t) => fillTemplate(t, l))))).size;
    expect(texts).toBe(37);
    // All 37 in one worker round trip (they were 37 before embedTexts).
    expect(calls).toEqual({ image: 1, text: texts, textRequests: 1 });
    const second = await classifyImage(tiny, port, ctImage(), undefined, cache);
    expect(calls).toEqual({ image: 2, text: texts, textRequests: 1 });
    expect(second.ok && first.ok && second.value.sets).toEqual(first.ok && first.value.sets);
  });

  it('refuses a model without embeddings as unsupported, naming it, before asking the worker anything', async () => {
    const { image_embed: _image, text_embed: _text, ...files } = tiny.config.files;
    const plain: ModelFolder = { ...tiny, config: { ...tiny.config, files } };
    const { port, calls } = inProcessPort();
    const result = await classifyImage(plain, port, ctImage(), undefined);
    expect(result).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringMatching(/^tiny-random \(version 0\.3\.0-tiny\) has no image_embed \/ text_embed graphs/) } });
    expect(calls).toEqual({ image: 0, text: 0, textRequests: 0 });
  });

  it('returns a worker error as the value it was', async () => {
    const failing: ClassifyPort = { ...inProcessPort().port, embedTexts: async () => err('model_error', 'tiny-random: embed failed: boom') };
    expect(await classifyImage(tiny, failing, ctImage(), undefined)).toEqual(err('model_error', 'tiny-random: embed failed: boom'));
  });
});

describe('TextEmbeddingCache', () => {
  it('drops the least recently used text beyond its limit', () => {
    const cache = new TextEmbeddingCache(2);
    cache.set('a', Float32Array.of(1));
    cache.set('b', Float32Array.of(2));
    expect(cache.get('a')).toEqual(Float32Array.of(1));
    cache.set('c', Float32Array.of(3));
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([Float32Array.of(1), undefined, Float32Array.of(3)]);
    expect(cache.size).toBe(2);
  });
});

describe('assistant.classify over dispatch', () => {
  const ctx: CallContext = { transport: 'direct', caller: 'test' };
  /** A worker port answered in-process (the real worker is covered by cli/classify-command.test.ts). */
  const portFor = (modelDir: string): InferencePort => {
    const refuse = async () => err('internal', 'not used by classify');
    return { modelDir, loaded: true, load: refuse, caption: refuse, answer: refuse, segment: refuse, embedText: refuse, ...inProcessPort().port, dispose: async () => undefined } as InferencePort;
  };
  const service = createAssistantHandlers({ modelDir: tinyRandomDir, createClient: portFor });
  afterAll(() => service.dispose());
  const call = (args: unknown) => dispatch(service.handlers as unknown as Handlers<CallContext>, 'assistant.classify', args, ctx);
  const image = { kind: 'gray8', width: 8, height: 6, dtype: 'uint8', pixels: new Uint8Array(48).map((_, i) => i * 5) };

  it('answers modality and region without labels, the given labels with them (trimmed)', async () => {
    const plain = await call({ image });
    expect(plain.ok).toBe(true);
    expect((plain.ok ? (plain.value as ClassifyAnswer) : null)?.sets.map((s) => s.labels.length)).toEqual([4, 3]);
    const own = await call({ image, labels: [' chest ', 'head'] });
    expect(own.ok && (own.value as ClassifyAnswer).sets[0].labels.map((l) => l.label).sort()).toEqual(['chest', 'head']);
  });

  it('validates the labels: 2–16 distinct, non-empty, at most 64 characters, with a letter or digit', async () => {
    const refused: [unknown, RegExp][] = [
      [['chest'], /at least two labels/],
      [Array.from({ length: 17 }, (_, i) => `label ${i}`), /at most 16 labels/],
      [['chest', '  '], /labels\.1.*is empty/],
      [['chest', 'x'.repeat(65)], /longer than 64 characters/],
      [['chest', '...'], /has no letter or digit/],
      [['chest', 'chest'], /repeats "chest"/],
      [['chest', 3], /labels\.1/],
    ];
    for (const [labels, reason] of refused) {
      const result = await call({ image, labels });
      expect(result, JSON.stringify(labels)).toMatchObject({ ok: false, error: { code: 'invalid_arguments', message: expect.stringMatching(reason) } });
    }
    expect((await call({ image, labels: Array.from({ length: 16 }, (_, i) => `label ${i}`) })).ok).toBe(true);
  });

  it('answers unsupported for a model without embeddings (vesalius-vlm 0.2.0), naming it', async () => {
    const old = createAssistantHandlers({ modelDir: tinyRandomDir.replace(/tiny-random$/, 'vesalius-vlm-0.2.0'), createClient: portFor });
    const result = await dispatch(old.handlers as unknown as Handlers<CallContext>, 'assistant.classify', { image }, ctx);
    expect(result).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringMatching(/^assistant\.classify: vesalius-vlm-0\.2\.0 \(version 0\.2\.0\) has no image_embed/) } });
    await old.dispose();
  });
});
