// A folder with a mask refiner (config.json mask_size R): the image goes to the mask decoder a second time, preprocessed
// at R, and masks come back from R × R logits. A scripted backend stands in for the graphs so the test knows exactly
// what each graph was fed and what it answers; the real refiner graph's parity is workers/inference/parity.test.ts's.
import { describe, expect, it } from 'vitest';
import { loadModelFolder, type ModelFolder } from '../model/config';
import { ModelLoadError, ModelRunError } from '../model/errors';
import { contentSize, maskFromLogits, preprocessImage } from '../model/preprocess';
import { tinyRandomDir } from '../model/test-models';
import type { HostTensor, InferenceBackend } from './backend';
import { encodingBytes, VisionLanguageModel, type ModelImage } from './model';
import { segmentPipeline } from './pipelines';

const R = 96;
// Without the embedding graphs: they play no part in masks.
const loaded = loadModelFolder(tinyRandomDir);
const { image_embed: _imageEmbed, text_embed: _textEmbed, ...maskFiles } = loaded.config.files;
const tiny: ModelFolder = { ...loaded, config: { ...loaded.config, files: maskFiles } };
const S = tiny.config.image_size;

/** tiny-random's folder, with a mask refiner at R declared in its config.json (or without, as tiny-random is). */
const folderWith = (maskSize: number | undefined): ModelFolder => {
  const inputs = ['prompt_ids', 'image_embeds', 'pixel_features'];
  if (maskSize === undefined) return { ...tiny, config: { ...tiny.config, mask_decoder_inputs: inputs } };
  return { ...tiny, config: { ...tiny.config, mask_size: maskSize, mask_decoder_inputs: [...inputs, 'pixel_values_hires'] } };
};

const f32 = (dims: number[], data = new Float32Array(dims.reduce((a, b) => a * b, 1))): HostTensor => ({ dtype: 'float32', dims, data });

/**
 * Graphs that record their feeds. The mask decoder's logits are a steep function of its hires input (inside where
 * the image is brighter than mid-grey), so the mask that comes back shows where the pipeline put the R × R logits.
 */
function scriptedBackend(options: { hiresInput: boolean; logitsSize?: number }) {
  const feeds = new Map<string, Record<string, HostTensor>[]>();
  const { mean, std } = tiny.preprocessor;
  const midGrey = (0.5 - mean) / std;
  const graphs: Record<string, { inputs: string[]; outputs: string[]; run: (f: Record<string, HostTensor>) => Record<string, HostTensor> }> = {
    'image_encoder.onnx': {
      inputs: ['pixel_values', 'header_ids'],
      outputs: ['image_embeds', 'pixel_features'],
      run: () => ({ image_embeds: f32([1, 20, 32]), pixel_features: f32([1, 8, 16, 16]) }),
    },
    'text_decoder.onnx': { inputs: ['input_ids', 'image_embeds'], outputs: ['logits'], run: (f) => ({ logits: f32([1, f.input_ids.dims[1], tiny.config.vocab_size]) }) },
    'mask_decoder.onnx': {
      inputs: ['prompt_ids', 'image_embeds', 'pixel_features', ...(options.hiresInput ? ['pixel_values_hires'] : [])],
      outputs: ['mask_logits', 'presence_logits'],
      run: (f) => {
        const size = options.logitsSize ?? R;
        const hires = f.pixel_values_hires?.data as Float32Array | undefined;
        const logits = new Float32Array(size * size).map((_, i) => (hires ? 40 * (hires[i] - midGrey) : -10));
        return { mask_logits: f32([1, 1, size, size], logits), presence_logits: f32([1, 1], Float32Array.of(5)) };
      },
    },
  };
  const backend: InferenceBackend = {
    async load(file) {
      const name = file.split(/[\\/]/).pop()!;
      const graph = graphs[name];
      if (!graph) throw new Error(`no scripted graph ${name}`);
      return {
        file,
        inputNames: graph.inputs,
        outputNames: graph.outputs,
        run: async (f) => {
          feeds.set(name, [...(feeds.get(name) ?? []), f]);
          return graph.run(f);
        },
        release: async () => {},
      };
    },
  };
  return { backend, feeds: (name: string) => feeds.get(name) ?? [] };
}

/** A gray8 image, bright (255) inside the rectangle [x0, x1) × [y0, y1), dark elsewhere. */
const boxImage = (width: number, height: number, box: { x0: number; x1: number; y0: number; y1: number }): ModelImage & { truth: Uint8Array } => {
  const data = new Uint8Array(width * height);
  const truth = new Uint8Array(width * height);
  for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) truth[y * width + x] = 1;
  for (let i = 0; i < data.length; i++) data[i] = truth[i] ? 255 : 20;
  return { kind: 'gray8', width, height, data, truth };
};

const iou = (a: Uint8Array, b: Uint8Array) => {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return union === 0 ? 1 : inter / union;
};

describe('a model folder with a mask refiner (config.json mask_size)', () => {
  it('feeds pixel_values_hires (the image preprocessed at R) to the mask decoder only', async () => {
    const { backend, feeds } = scriptedBackend({ hiresInput: true });
    const model = await VisionLanguageModel.load(folderWith(R), backend);
    const image = boxImage(50, 30, { x0: 10, x1: 30, y0: 5, y1: 20 });
    const encoding = await model.encode(image);
    expect(feeds('image_encoder.onnx')[0].pixel_values.dims).toEqual([1, 1, S, S]);
    expect(Object.keys(feeds('image_encoder.onnx')[0]).sort()).toEqual(['header_ids', 'pixel_values']);

    await segmentPipeline(model, image, 'lung');
    expect(Object.keys(feeds('mask_decoder.onnx')[0]).sort()).toEqual(['image_embeds', 'pixel_features', 'pixel_values_hires', 'prompt_ids']);
    const hires = feeds('mask_decoder.onnx')[0].pixel_values_hires;
    expect(hires.dims).toEqual([1, 1, R, R]);
    // The one preprocessing definition, at size R: same mapping, fit and normalisation as pixel_values.
    expect(hires.data).toEqual(preprocessImage(image, { ...tiny.preprocessor, image_size: R }));
    await model.generate(encoding, model.text.captionPrefixIds(), 2);
    expect(Object.keys(feeds('text_decoder.onnx')[0]).sort()).toEqual(['image_embeds', 'input_ids']);
    expect(model.maskSize).toBe(R);
  });

  it('keeps pixel_values_hires out of the encoding and its cache (captions, answers and indexing never make it); a folder without mask_size feeds none', async () => {
    const image = boxImage(40, 40, { x0: 5, x1: 20, y0: 5, y1: 20 });
    const refined = await VisionLanguageModel.load(folderWith(R), scriptedBackend({ hiresInput: true }).backend);
    const plainBackend = scriptedBackend({ hiresInput: false, logitsSize: S });
    const plain = await VisionLanguageModel.load(folderWith(undefined), plainBackend.backend);
    const withRefiner = await refined.encode(image);
    const without = await plain.encode(image);
    expect(withRefiner.pixel_values_hires).toBeUndefined();
    expect(encodingBytes(withRefiner)).toBe(encodingBytes(without));
    expect(refined.cacheUsage).toEqual({ entries: 1, bytes: encodingBytes(withRefiner) });
    expect(Object.keys(refined.maskImageFeeds(image))).toEqual(['pixel_values_hires']);
    expect(plain.maskImageFeeds(image)).toEqual({});
    expect(plain.maskSize).toBe(S);
    await segmentPipeline(plain, image, 'lung');
    expect(Object.keys(plainBackend.feeds('mask_decoder.onnx')[0]).sort()).toEqual(['image_embeds', 'pixel_features', 'prompt_ids']);
  });

  it.each([
    ['square', 80, 80, { x0: 17, x1: 61, y0: 9, y1: 50 }],
    ['wide (padded below)', 150, 70, { x0: 23, x1: 131, y0: 11, y1: 57 }],
    ['tall (padded right)', 45, 110, { x0: 7, x1: 38, y0: 30, y1: 101 }],
  ] as const)('maps the R × R logits back through the content box at R (%s image)', async (_kind, width, height, box) => {
    const { backend, feeds } = scriptedBackend({ hiresInput: true });
    const model = await VisionLanguageModel.load(folderWith(R), backend);
    const image = boxImage(width, height, box);
    const out = await segmentPipeline(model, image, 'lung');
    const hires = feeds('mask_decoder.onnx')[0].pixel_values_hires.data as Float32Array;
    expect(hires).toHaveLength(R * R);
    // What the pipeline returns is maskFromLogits over the decoder's R × R answer at R, nothing else.
    const { mean, std } = tiny.preprocessor;
    const answer = hires.map((v) => 40 * (v - (0.5 - mean) / std));
    const expected = maskFromLogits(answer, R, width, height, tiny.config.mask_threshold, 'pad');
    expect(Array.from(out.mask)).toEqual(Array.from(expected.mask));
    // And that is the image's bright box again (the content box at R, not at S: at S the wide/tall boxes differ).
    expect(iou(out.mask, image.truth)).toBeGreaterThan(0.95);
    if (width !== height) expect(contentSize(width, height, R, 'pad')).not.toEqual(contentSize(width, height, S, 'pad'));
  });

  it('names the expected R × R shape when the mask decoder answers at another size', async () => {
    const model = await VisionLanguageModel.load(folderWith(R), scriptedBackend({ hiresInput: true, logitsSize: S }).backend);
    const image = boxImage(40, 40, { x0: 5, x1: 20, y0: 5, y1: 20 });
    const decoding = segmentPipeline(model, image, 'lung');
    await expect(decoding).rejects.toBeInstanceOf(ModelRunError);
    await expect(decoding).rejects.toThrow(
      `tiny-random: mask_decoder.onnx output failed: mask_logits has shape [1, 1, ${S}, ${S}], expected [1, 1, ${R}, ${R}] (config.json mask_size)`,
    );
    // Without mask_size the expected shape is image_size's, and the message says so.
    const plain = await VisionLanguageModel.load(folderWith(undefined), scriptedBackend({ hiresInput: false, logitsSize: R }).backend);
    await expect(segmentPipeline(plain, image, 'lung')).rejects.toThrow(`expected [1, 1, ${S}, ${S}] (config.json image_size)`);
  });

  it('refuses to load when config.json and mask_decoder.onnx disagree about pixel_values_hires, naming the graph', async () => {
    await expect(VisionLanguageModel.load(folderWith(R), scriptedBackend({ hiresInput: false }).backend)).rejects.toThrow(
      new ModelLoadError(tiny.dir, 'mask_decoder.onnx', `has no input 'pixel_values_hires' although config.json has mask_size ${R}`),
    );
    await expect(VisionLanguageModel.load(folderWith(undefined), scriptedBackend({ hiresInput: true }).backend)).rejects.toThrow(
      new ModelLoadError(tiny.dir, 'mask_decoder.onnx', "has the input 'pixel_values_hires' (a mask refiner) but config.json has no mask_size"),
    );
  });
});
