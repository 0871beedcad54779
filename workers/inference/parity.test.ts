import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFolder } from '../../core/model/config';
import { ModelLoadError } from '../../core/model/errors';
import { readReferenceManifest, readReferenceTensor } from '../../core/model/reference';
import { parityModelDirs, tinyRandomDir } from '../../core/model/test-models';
import { createOrtBackend, type HostTensor, type InferenceSessionHandle } from './backend';
import { VisionLanguageModel } from '../../core/inference/model';

const backend = createOrtBackend({ intraOpNumThreads: 2 });

const toHostTensor = (modelDir: string, spec: Parameters<typeof readReferenceTensor>[1]): HostTensor => {
  const data = readReferenceTensor(modelDir, spec);
  if (!(data instanceof Float32Array) && !(data instanceof BigInt64Array)) throw new Error(`${spec.file}: ONNX inputs are float32 or int64, not ${spec.dtype}`);
  return { dtype: data instanceof Float32Array ? 'float32' : 'int64', dims: spec.shape, data };
};

describe.each(parityModelDirs())('onnxruntime-node reproduces the PyTorch reference outputs (%s)', (modelDir) => {
  const manifest = readReferenceManifest(modelDir);
  const sessions = new Map<string, Promise<InferenceSessionHandle>>();
  const session = (file: string) => {
    if (!sessions.has(file)) sessions.set(file, backend.load(path.join(modelDir, file)));
    return sessions.get(file)!;
  };
  afterAll(async () => {
    for (const s of sessions.values()) await (await s).release();
  });

  it('has the cases the spec asks for (2 encoder, 2 text decoder, 2 mask)', () => {
    const count = (file: string) => manifest.cases.filter((c) => Object.keys(c.outputs).some((k) => k.startsWith(`${file}:`))).length;
    const { files } = loadModelFolder(modelDir).config;
    expect(count(files.image_encoder)).toBeGreaterThanOrEqual(2);
    expect(count(files.text_decoder)).toBeGreaterThanOrEqual(2);
    expect(count(files.mask_decoder)).toBeGreaterThanOrEqual(2);
  });

  it('covers every 0.3 graph feature the folder declares (header-fused encoder, presence output, embeddings, mask refiner)', () => {
    const { config } = loadModelFolder(modelDir);
    const { files } = config;
    const withOutput = (key: string) => manifest.cases.filter((c) => key in c.outputs);
    if (config.header_fusion) {
      const fused = manifest.cases.filter((c) => 'header_ids' in c.inputs && Object.keys(c.outputs).some((k) => k.startsWith(`${files.image_encoder}:`)));
      expect(fused.length, 'a header-fused image_encoder case').toBeGreaterThanOrEqual(1);
      // One case with known facts, so the header tokens are exercised, not only the all-<unk> row.
      expect(fused.some((c) => (readReferenceTensor(modelDir, c.inputs.header_ids) as BigInt64Array).some((id) => id !== 0n))).toBe(true);
    }
    if (config.presence_threshold !== undefined) expect(withOutput(`${files.mask_decoder}:presence_logits`).length).toBeGreaterThanOrEqual(1);
    if (files.image_embed) expect(withOutput(`${files.image_embed}:image_embed`).length).toBeGreaterThanOrEqual(1);
    if (files.text_embed) expect(withOutput(`${files.text_embed}:text_embed`).length).toBeGreaterThanOrEqual(1);
    const maskSize = config.mask_size;
    if (maskSize !== undefined) {
      // Every mask case feeds the image at mask_size and gets R × R logits; its pixel_values_hires is a preprocessing
      // case's output, so the app's own preprocessing at R is checked against the same file (core/model/preprocess.test.ts).
      const maskCases = withOutput(`${files.mask_decoder}:mask_logits`);
      const preprocessed = new Set(manifest.preprocess.flatMap((c) => (c.pixel_values_hires ? [c.pixel_values_hires.file] : [])));
      for (const c of maskCases) {
        expect(c.inputs.pixel_values_hires?.shape, `${c.name} pixel_values_hires`).toEqual([1, 1, maskSize, maskSize]);
        expect(c.outputs[`${files.mask_decoder}:mask_logits`].shape, `${c.name} mask_logits`).toEqual([1, 1, maskSize, maskSize]);
        expect(preprocessed.has(c.inputs.pixel_values_hires.file), `${c.name}: ${c.inputs.pixel_values_hires.file} is a preprocessing case's pixel_values_hires`).toBe(true);
      }
    }
  });

  it.each(manifest.cases.map((c) => [c.name, c] as const))('%s within 1e-4', async (_name, testCase) => {
    const feeds: Record<string, HostTensor> = {};
    for (const [name, spec] of Object.entries(testCase.inputs)) feeds[name] = toHostTensor(modelDir, spec);
    const byFile = new Map<string, string[]>();
    for (const key of Object.keys(testCase.outputs)) {
      const [file, output] = key.split(':');
      byFile.set(file, [...(byFile.get(file) ?? []), output]);
    }
    for (const [file, outputNames] of byFile) {
      const s = await session(file);
      const inputs = Object.fromEntries(s.inputNames.map((n) => [n, feeds[n]]));
      const results = await s.run(inputs);
      for (const name of outputNames) {
        const spec = testCase.outputs[`${file}:${name}`];
        const expected = readReferenceTensor(modelDir, spec) as Float32Array;
        const actual = results[name];
        expect(actual.dims).toEqual(spec.shape);
        let maxAbsDiff = 0;
        for (let i = 0; i < expected.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs((actual.data as Float32Array)[i] - expected[i]));
        expect(maxAbsDiff, `${testCase.name} ${file}:${name}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });
});

describe.each(parityModelDirs().filter((dir) => loadModelFolder(dir).config.mask_size !== undefined))('the app\'s mask path over a mask refiner (%s)', (modelDir) => {
  const folder = loadModelFolder(modelDir);
  const manifest = readReferenceManifest(modelDir);
  const maskFile = folder.config.files.mask_decoder;
  const maskCases = manifest.cases.filter((c) => `${maskFile}:mask_logits` in c.outputs);
  let model: VisionLanguageModel;
  beforeAll(async () => {
    model = await VisionLanguageModel.load(folder, backend);
  });
  afterAll(() => model.release());

  it.each(maskCases.map((c) => [c.name, c] as const))('%s: the app makes the reference pixel_values_hires from the image, and decodeMask gives the R × R reference logits', async (_name, testCase) => {
    const source = manifest.preprocess.find((p) => p.pixel_values_hires?.file === testCase.inputs.pixel_values_hires.file)!;
    const [height, width, channels] = source.raw.shape;
    const raw = readReferenceTensor(modelDir, source.raw) as Int16Array | Uint8Array;
    const image = { kind: channels === 3 ? 'rgb8' : source.kind, width, height, data: raw, slope: source.slope, intercept: source.intercept } as const;
    const fed = model.maskImageFeeds(image).pixel_values_hires;
    const hires = readReferenceTensor(modelDir, testCase.inputs.pixel_values_hires) as Float32Array;
    expect(fed.dims).toEqual(testCase.inputs.pixel_values_hires.shape);
    let hiresDiff = 0;
    for (let i = 0; i < hires.length; i++) hiresDiff = Math.max(hiresDiff, Math.abs((fed.data as Float32Array)[i] - hires[i]));
    expect(hiresDiff).toBeLessThanOrEqual(1e-6);
    // The decoder over the reference encoder outputs (the encoder's own parity is the cases above) and the app's own
    // pixel_values_hires of the image, through the app's feeds.
    const reference = Object.fromEntries(Object.entries(testCase.inputs).filter(([name]) => name !== 'prompt_ids' && name !== 'pixel_values_hires').map(([name, spec]) => [name, toHostTensor(modelDir, spec)]));
    const promptIds = Array.from(readReferenceTensor(modelDir, testCase.inputs.prompt_ids) as BigInt64Array, Number);
    const { maskLogits } = await model.decodeMask(image, reference, promptIds);
    const expected = readReferenceTensor(modelDir, testCase.outputs[`${maskFile}:mask_logits`]) as Float32Array;
    expect(maskLogits).toHaveLength(model.maskSize ** 2);
    let maxAbsDiff = 0;
    for (let i = 0; i < expected.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(maskLogits[i] - expected[i]));
    expect(maxAbsDiff).toBeLessThanOrEqual(1e-4);
  });
});

describe('a model folder with an ONNX file the runtime cannot load', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'vesalius-onnx-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('fails with a ModelLoadError naming the file', async () => {
    const dir = path.join(scratch, 'corrupt');
    cpSync(tinyRandomDir, dir, { recursive: true });
    const file = path.join(dir, 'text_decoder.onnx');
    // Keep the size, scramble the middle: a protobuf the runtime rejects.
    const bytes = readFileSync(file);
    for (let i = 16; i < bytes.length - 16; i += 7) bytes[i] = (bytes[i] * 31 + 17) & 0xff;
    writeFileSync(file, bytes);
    const loading = VisionLanguageModel.load(loadModelFolder(dir), backend);
    await expect(loading).rejects.toBeInstanceOf(ModelLoadError);
    await expect(loading).rejects.toMatchObject({ file: 'text_decoder.onnx', message: expect.stringMatching(/corrupt: text_decoder\.onnx: onnxruntime cannot load it/) });
  });

  it('fails naming the encoder when config.json and the graph disagree on header fusion', async () => {
    const dir = path.join(scratch, 'no-fusion');
    cpSync(tinyRandomDir, dir, { recursive: true });
    const file = path.join(dir, 'config.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    delete json.header_fusion;
    delete json.caption_prefix_slots;
    writeFileSync(file, JSON.stringify(json));
    await expect(VisionLanguageModel.load(loadModelFolder(dir), backend)).rejects.toMatchObject({
      file: 'image_encoder.onnx',
      message: expect.stringMatching(/needs inputs header_ids/),
    });
  });

  it('fails naming the file when the graph lacks an input the spec requires', async () => {
    const dir = path.join(scratch, 'swapped');
    cpSync(tinyRandomDir, dir, { recursive: true });
    // The text decoder where the mask decoder should be: it has input_ids, not prompt_ids.
    cpSync(path.join(dir, 'text_decoder.onnx'), path.join(dir, 'mask_decoder.onnx'));
    await expect(VisionLanguageModel.load(loadModelFolder(dir), backend)).rejects.toMatchObject({
      file: 'mask_decoder.onnx',
      message: expect.stringMatching(/has no input 'prompt_ids'/),
    });
  });
});
