import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFolder } from '../model/config';
import { ModelInputError, ModelRunError, ModelTaskUnsupportedError } from '../model/errors';
import { sigmoid } from '../model/preprocess';
import { maskFromLogits, type RawImage } from '../model/preprocess';
import { readReferenceManifest, readReferenceTensor } from '../model/reference';
import { tinyRandomDir } from '../model/test-models';
import { createOrtBackend, type InferenceBackend } from '../../workers/inference/backend';
import { imageKey, VisionLanguageModel, type ModelImage } from './model';
import { captionPipeline, imageEmbedPipeline, segmentPipeline, textEmbedPipeline, vqaPipeline } from './pipelines';

/** The ORT backend, counting runs per file, so tests can see what the model re-runs. */
function countingBackend(): { backend: InferenceBackend; runs: Map<string, number> } {
  const inner = createOrtBackend({ intraOpNumThreads: 2 });
  const runs = new Map<string, number>();
  return {
    runs,
    backend: {
      async load(file) {
        const session = await inner.load(file);
        const name = file.split(/[\\/]/).pop()!;
        return {
          file,
          inputNames: session.inputNames,
          outputNames: session.outputNames,
          run: (feeds) => {
            runs.set(name, (runs.get(name) ?? 0) + 1);
            return session.run(feeds);
          },
          release: () => session.release(),
        };
      },
    },
  };
}

const manifest = readReferenceManifest(tinyRandomDir);
const referenceCase = (name: string) => {
  const found = manifest.cases.find((c) => c.name === name);
  if (!found) throw new Error(`reference case ${name} missing`);
  return found;
};
const preprocessCase = (name: string) => manifest.preprocess.find((c) => c.name.startsWith(name))!;

/** The header the exporter gave the reference CT case (header_ids [1, 1, 1, 1]: ct, axial, chest, contrast). */
const CT_HEADER = { modality: 'CT', imageOrientationPatient: [1, 0, 0, 0, 1, 0], bodyPartExamined: 'CHEST', contrastBolusAgent: 'IOHEXOL' };

/** The CT image behind the reference encoder case `encoder_ct_header` (and the caption/mask cases built on it). */
const ctImage = (): ModelImage => {
  const c = preprocessCase('ct_hu');
  return {
    kind: 'hu',
    width: c.raw.shape[1],
    height: c.raw.shape[0],
    data: readReferenceTensor(tinyRandomDir, c.raw) as Int16Array,
    slope: c.slope,
    intercept: c.intercept,
    header: CT_HEADER,
  };
};
const grayImage = (): RawImage => {
  const c = preprocessCase('gray8');
  return { kind: 'gray8', width: c.raw.shape[1], height: c.raw.shape[0], data: readReferenceTensor(tinyRandomDir, c.raw) as Uint8Array };
};

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let diff = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff;
};

const argmaxOfRow = (logits: Float32Array, row: number, vocab: number) => {
  let best = 0;
  for (let v = 1; v < vocab; v++) if (logits[row * vocab + v] > logits[row * vocab + best]) best = v;
  return best;
};

describe('VisionLanguageModel on tiny-random', () => {
  const { backend, runs } = countingBackend();
  let model: VisionLanguageModel;
  beforeAll(async () => {
    model = await VisionLanguageModel.load(loadModelFolder(tinyRandomDir), backend);
  });
  afterAll(() => model.release());

  it('caption: the first greedy token is the argmax of the reference logits for the same image', async () => {
    const ref = referenceCase('text_caption_prefix');
    const spec = ref.outputs['text_decoder.onnx:logits'];
    const logits = readReferenceTensor(tinyRandomDir, spec) as Float32Array;
    const expectedFirst = argmaxOfRow(logits, spec.shape[1] - 1, spec.shape[2]);
    // The reference case feeds `<bos> <caption>` alone: decode from there, without the header's forced words.
    const { bos_token_id: bos, task_prefixes: prefixes, max_caption_tokens: maxTokens } = model.folder.config;
    const out = await model.generate(await model.encode(ctImage()), [bos, model.tokenizer.tokenId(prefixes.caption)], maxTokens);
    if (expectedFirst === model.folder.config.eos_token_id) expect(out.tokenIds).toEqual([]);
    else expect(out.tokenIds[0]).toBe(expectedFirst);
    expect(out.tokenIds.length).toBeLessThanOrEqual(model.folder.config.max_caption_tokens);
    expect(out.tokenIds).not.toContain(model.folder.config.eos_token_id);
    expect(out.text).toBe(model.tokenizer.decode(out.tokenIds));
  });

  it('answer: feeds <bos> <vqa> question <sep> and starts with the reference argmax', async () => {
    const ref = referenceCase('text_vqa_question');
    const ids = Array.from(readReferenceTensor(tinyRandomDir, ref.inputs.input_ids) as BigInt64Array, Number);
    expect(model.text.questionIds('Is there a pneumothorax?')).toEqual(ids);
    const spec = ref.outputs['text_decoder.onnx:logits'];
    const expectedFirst = argmaxOfRow(readReferenceTensor(tinyRandomDir, spec) as Float32Array, spec.shape[1] - 1, spec.shape[2]);
    const out = await vqaPipeline(model, grayImage(), 'Is there a pneumothorax?');
    if (expectedFirst === model.folder.config.eos_token_id) expect(out.tokenIds).toEqual([]);
    else expect(out.tokenIds[0]).toBe(expectedFirst);
    expect(out.tokenIds.length).toBeLessThanOrEqual(model.folder.config.max_answer_tokens);
  });

  it('answer: the probability is the product of the greedy tokens\' softmax probabilities, <eos> included', async () => {
    const ref = referenceCase('text_vqa_question');
    const spec = ref.outputs['text_decoder.onnx:logits'];
    const logits = readReferenceTensor(tinyRandomDir, spec) as Float32Array;
    const vocab = spec.shape[2];
    const row = logits.subarray((spec.shape[1] - 1) * vocab, spec.shape[1] * vocab);
    const top = Math.max(...row);
    const firstProbability = 1 / row.reduce((sum, v) => sum + Math.exp(v - top), 0);
    const out = await vqaPipeline(model, grayImage(), 'Is there a pneumothorax?');
    expect(out.probability).toBeGreaterThan(0);
    if (out.tokenIds.length === 0) expect(out.probability).toBeCloseTo(firstProbability, 4);
    else expect(out.probability).toBeLessThanOrEqual(firstProbability + 1e-4);
    expect(out.uncertain).toBeUndefined(); // tiny-random has no answer_uncertain_below
  });

  it('refuses a question that is too long, mostly out of vocabulary, or empty, with the interface\'s messages', () => {
    const { max_question_tokens: most } = model.folder.config.vqa!;
    const refusal = (question: string) => {
      try {
        model.text.questionIds(question);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelInputError);
        return (e as Error).message;
      }
      return null;
    };
    expect(refusal(Array(most + 1).fill('lung').join(' '))).toBe(`tiny-random: the question is too long: ${most + 1} words; the model reads at most ${most}`);
    expect(model.text.questionIds(Array(most).fill('lung').join(' '))).toHaveLength(2 + most + 1); // never cut
    expect(refusal('Wie geht es dir heute, lung?')).toBe(
      "tiny-random: could not read the question: 5 of 6 words are not in the model's vocabulary (first ones: wie, geht, es)",
    );
    expect(refusal(' ?! ')).toBe('tiny-random: the question is empty: it has no words');
    // Punctuation is not a word: "lung?" is one known word.
    expect(refusal('lung?')).toBeNull();
  });

  it('marks an answer uncertain below answer_uncertain_below when the folder has it', async () => {
    const folder = loadModelFolder(tinyRandomDir);
    const strict = await VisionLanguageModel.load({ ...folder, config: { ...folder.config, answer_uncertain_below: 1 } }, backend);
    const lenient = await VisionLanguageModel.load({ ...folder, config: { ...folder.config, answer_uncertain_below: 0 } }, backend);
    try {
      expect((await vqaPipeline(strict, grayImage(), 'Is there a pneumothorax?')).uncertain).toBe(true);
      expect((await vqaPipeline(lenient, grayImage(), 'Is there a pneumothorax?')).uncertain).toBe(false);
    } finally {
      await strict.release();
      await lenient.release();
    }
  });

  it('caption: starts with the header\'s modality and plane, never the plane alone, nothing without a header', async () => {
    const comma = model.tokenizer.encode(',');
    const ct = await captionPipeline(model, ctImage());
    expect(ct.forcedTokens).toBe(4);
    expect(ct.tokenIds.slice(0, 4)).toEqual([...model.tokenizer.encode('ct'), ...comma, ...model.tokenizer.encode('axial'), ...comma]);
    expect(ct.text.startsWith('ct, axial,')).toBe(true);
    const xray = await captionPipeline(model, { ...grayImage(), header: { modality: 'DX', bodyPartExamined: 'CHEST' } });
    expect(xray.tokenIds.slice(0, xray.forcedTokens)).toEqual([...model.tokenizer.encode('x-ray'), ...comma]);
    expect(xray.text.startsWith('x-ray,')).toBe(true);
    expect((await captionPipeline(model, { ...grayImage(), header: { imageOrientationPatient: [1, 0, 0, 0, 1, 0] } })).forcedTokens).toBe(0);
    expect((await captionPipeline(model, grayImage())).forcedTokens).toBe(0);
  });

  it('feeds header_ids from the header facts; the header is part of the encoding cache key', async () => {
    const ref = referenceCase('encoder_ct_header');
    const expected = readReferenceTensor(tinyRandomDir, ref.outputs['image_encoder.onnx:image_embeds']) as Float32Array;
    const withHeader = await model.encode(ctImage());
    expect(maxAbsDiff(withHeader.image_embeds.data as Float32Array, expected)).toBeLessThanOrEqual(1e-4);
    const { header: _header, ...bare } = ctImage();
    const withoutHeader = await model.encode(bare);
    expect(maxAbsDiff(withoutHeader.image_embeds.data as Float32Array, expected)).toBeGreaterThan(1e-3);
    expect(imageKey(bare)).not.toBe(imageKey(ctImage()));
  });

  it('segment: the mask is the reference mask logits resized to the image and thresholded', async () => {
    const ref = referenceCase('mask_left_lung');
    const size = model.maskSize;
    const image = ctImage();
    const expected = maskFromLogits(readReferenceTensor(tinyRandomDir, ref.outputs['mask_decoder.onnx:mask_logits']) as Float32Array, size, image.width, image.height, model.folder.config.mask_threshold, model.folder.preprocessor.fit);
    const out = await segmentPipeline(model, image, 'left lung');
    expect([out.width, out.height]).toEqual([image.width, image.height]);
    let differing = 0;
    for (let i = 0; i < out.mask.length; i++) if (out.mask[i] !== expected.mask[i]) differing++;
    // Logits agree within 1e-4, so only pixels whose probability sits on the threshold may flip.
    expect(differing).toBeLessThanOrEqual(out.mask.length * 1e-3);
    const presence = sigmoid((readReferenceTensor(tinyRandomDir, ref.outputs['mask_decoder.onnx:presence_logits']) as Float32Array)[0]);
    expect(out.presenceProbability).toBeCloseTo(presence, 4);
    expect(out.present).toBe(presence >= model.folder.config.presence_threshold!);
  });

  it('segment: a presence probability below presence_threshold gives an empty mask and present false', async () => {
    const folder = loadModelFolder(tinyRandomDir);
    const picky = await VisionLanguageModel.load({ ...folder, config: { ...folder.config, presence_threshold: 0.99 } }, backend);
    try {
      const out = await segmentPipeline(picky, ctImage(), 'left lung');
      expect(out).toMatchObject({ present: false, probabilityMean: null });
      expect(out.presenceProbability).toBeLessThan(0.99);
      expect(out.mask.every((v) => v === 0)).toBe(true);
      expect(out.mask).toHaveLength(out.width * out.height);
    } finally {
      await picky.release();
    }
  });

  it('segment: only the declared prompts (trimmed, any case); another is an error naming them', async () => {
    expect(model.text.promptIds('  Left Lung ')).toEqual(model.text.promptIds('left lung'));
    await expect(segmentPipeline(model, ctImage(), 'liver')).rejects.toThrow(new ModelInputError('tiny-random', 'unknown prompt "liver"; this model segments: lung, left lung, right lung'));
    expect(() => model.text.promptIds(' banana ')).toThrow('tiny-random: unknown prompt "banana"; this model segments: lung, left lung, right lung');
  });

  it('encodes each distinct image once (content hash), whatever the task', async () => {
    const image = grayImage();
    const copy: RawImage = { ...image, data: new Uint8Array(image.data) };
    const before = runs.get('image_encoder.onnx') ?? 0;
    await captionPipeline(model, copy);
    await vqaPipeline(model, copy, 'what is this?');
    await segmentPipeline(model, copy, 'lung');
    const afterSame = runs.get('image_encoder.onnx') ?? 0;
    expect(afterSame - before).toBeLessThanOrEqual(1);
    const changed = new Uint8Array(image.data);
    changed[0] ^= 1;
    await captionPipeline(model, { ...image, data: changed });
    expect(runs.get('image_encoder.onnx')).toBe(afterSame + 1);
    expect(imageKey({ ...image, data: changed })).not.toBe(imageKey(image));
  });

  it('embedText: feeds <bos> words <eos> and gives the reference text embedding', async () => {
    const ref = referenceCase('text_embed_lung');
    const text = ref.text!.replace(/^<bos>\s*/, '').replace(/\s*<eos>$/, '');
    const ids = Array.from(readReferenceTensor(tinyRandomDir, ref.inputs.input_ids) as BigInt64Array, Number);
    expect(model.text.textEmbedIds(text)).toEqual(ids);
    const expected = readReferenceTensor(tinyRandomDir, ref.outputs['text_embed.onnx:text_embed']) as Float32Array;
    const embedding = await textEmbedPipeline(model, text);
    expect(embedding).toBeInstanceOf(Float32Array);
    expect(embedding).toHaveLength(model.folder.config.embeddings!.embed_dim);
    expect(maxAbsDiff(embedding, expected)).toBeLessThanOrEqual(1e-4);
    expect(Math.hypot(...embedding)).toBeCloseTo(1, 5);
  });

  it('embedText cuts a long text as training does and refuses a text without words', async () => {
    const { max_text_len: maxTextLen, eos_token_id: eos } = model.folder.config;
    const ids = model.text.textEmbedIds(Array(100).fill('lung').join(' '));
    expect(ids).toHaveLength(maxTextLen);
    expect(ids.at(-1)).toBe(eos);
    await expect(textEmbedPipeline(model, ' ... ')).rejects.toThrow(/^tiny-random: embed failed: the text has no words/);
  });

  it('embedImage: the reference image embedding of the CT image, reusing the cached encoder run', async () => {
    const ref = referenceCase('image_embed_ct');
    const expected = readReferenceTensor(tinyRandomDir, ref.outputs['image_embed.onnx:image_embed']) as Float32Array;
    const image = ctImage();
    await captionPipeline(model, image);
    const before = runs.get('image_encoder.onnx') ?? 0;
    const embedding = await imageEmbedPipeline(model, image);
    expect(runs.get('image_encoder.onnx')).toBe(before);
    expect(embedding).toHaveLength(model.folder.config.embeddings!.embed_dim);
    expect(maxAbsDiff(embedding, expected)).toBeLessThanOrEqual(1e-4);
    expect(model.tasks).toEqual(['caption', 'vqa', 'segment', 'embed']);
  });

  it('a folder without the embedding graphs cannot embed, and says so as unsupported', async () => {
    const folder = loadModelFolder(tinyRandomDir);
    const { image_embed: _image, text_embed: _text, ...files } = folder.config.files;
    const plain = await VisionLanguageModel.load({ ...folder, config: { ...folder.config, files } }, backend);
    try {
      expect(plain.tasks).toEqual(['caption', 'vqa', 'segment']);
      await expect(textEmbedPipeline(plain, 'ct, chest.')).rejects.toThrow(new ModelTaskUnsupportedError('tiny-random', 'embed', 'this model folder has no image_embed / text_embed graphs (config.json files), so it cannot embed'));
      await expect(imageEmbedPipeline(plain, grayImage())).rejects.toBeInstanceOf(ModelTaskUnsupportedError);
    } finally {
      await plain.release();
    }
  });

  it('reports bad input as an error naming the model and the step', async () => {
    const bad: RawImage = { kind: 'gray8', width: 10, height: 10, data: new Uint8Array(7) };
    await expect(captionPipeline(model, bad)).rejects.toBeInstanceOf(ModelRunError);
    await expect(captionPipeline(model, bad)).rejects.toThrow(/^tiny-random: preprocessing failed: image data has 7 values/);
  });
});
