import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, truncateSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_NAME, defaultModel, discoverModels, loadModelFolder, modelTasks } from './config';
import { ModelLoadError } from './errors';
import { tinyRandomDir } from './test-models';

const scratch = mkdtempSync(path.join(tmpdir(), 'vesalius-model-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let copies = 0;
/** A fresh copy of tiny-random (without its reference data) to break. */
const copyModel = (name = `copy-${copies++}`): string => {
  const dir = path.join(scratch, name);
  cpSync(tinyRandomDir, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}reference`) });
  return dir;
};

const loadError = (dir: string): ModelLoadError => {
  try {
    loadModelFolder(dir);
  } catch (e) {
    if (e instanceof ModelLoadError) return e;
    throw e;
  }
  throw new Error(`expected ${dir} to fail loading`);
};

describe('loadModelFolder', () => {
  it('loads tiny-random with its three JSON files and ONNX paths', () => {
    const folder = loadModelFolder(tinyRandomDir);
    expect(folder.name).toBe('tiny-random');
    expect(folder.config.model_type).toBe('vesalius-vlm');
    expect(folder.preprocessor.image_size).toBe(folder.config.image_size);
    expect(folder.tokenizer.vocab['<eos>']).toBe(folder.config.eos_token_id);
    expect(path.basename(folder.onnxPaths.textDecoder)).toBe('text_decoder.onnx');
  });

  it('names a missing tokenizer.json', () => {
    const dir = copyModel();
    unlinkSync(path.join(dir, 'tokenizer.json'));
    const e = loadError(dir);
    expect(e.file).toBe('tokenizer.json');
    expect(e.message).toMatch(/tokenizer\.json: file is missing/);
  });

  it('names a config.json that is not JSON', () => {
    const dir = copyModel();
    writeFileSync(path.join(dir, 'config.json'), '{ "model_type": "vesalius-vlm", ');
    const e = loadError(dir);
    expect(e.file).toBe('config.json');
    expect(e.reason).toMatch(/not valid JSON/);
  });

  it('names a preprocessor_config.json that does not match the format, with the field', () => {
    const dir = copyModel();
    const file = path.join(dir, 'preprocessor_config.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...json, resize: 'nearest' }));
    const e = loadError(dir);
    expect(e.file).toBe('preprocessor_config.json');
    expect(e.reason).toMatch(/resize/);
  });

  it('names a tokenizer whose special tokens disagree with config.json', () => {
    const dir = copyModel();
    const file = path.join(dir, 'tokenizer.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { vocab: Record<string, number> };
    json.vocab['<eos>'] = 40;
    writeFileSync(file, JSON.stringify(json));
    expect(loadError(dir).message).toMatch(/tokenizer\.json: <eos> has id 40 but config\.json says 2/);
  });

  it('names a missing or zero-byte ONNX file', () => {
    const missing = copyModel();
    unlinkSync(path.join(missing, 'mask_decoder.onnx'));
    expect(loadError(missing).file).toBe('mask_decoder.onnx');

    const empty = copyModel();
    truncateSync(path.join(empty, 'image_encoder.onnx'), 0);
    const e = loadError(empty);
    expect(e.file).toBe('image_encoder.onnx');
    expect(e.reason).toMatch(/empty/);
  });

  /** Rewrites one JSON file of a fresh copy and returns the load error. */
  const withJson = (file: string, change: (json: Record<string, unknown>) => void): ModelLoadError => {
    const dir = copyModel();
    const filePath = path.join(dir, file);
    const json = JSON.parse(readFileSync(filePath, 'utf8')) as Record<string, unknown>;
    change(json);
    writeFileSync(filePath, JSON.stringify(json));
    return loadError(dir);
  };

  it('reads the 0.3 fields of tiny-random (header fusion, presence, question rules, pad)', () => {
    const { config, preprocessor, onnxPaths } = loadModelFolder(tinyRandomDir);
    expect(config.header_fusion?.slots).toEqual(['modality', 'plane', 'body_part', 'contrast']);
    expect(config.header_fusion?.values.modality[0]).toBe('<unk>');
    expect(config.caption_prefix_slots).toEqual(['modality', 'plane']);
    expect(config.presence_threshold).toBe(0.5);
    expect(config.vqa).toEqual({ max_question_tokens: 40, max_unknown_fraction: 0.5 });
    expect(config.answer_probability).toBe('sequence');
    expect(preprocessor.fit).toBe('pad');
    expect(path.basename(onnxPaths.textEmbed!)).toBe('text_embed.onnx');
    expect(modelTasks(config)).toEqual(['caption', 'vqa', 'segment', 'embed']);
  });

  it('names the 0.3 field that is wrong', () => {
    expect(withJson('config.json', (j) => (j.presence_threshold = 1.5)).reason).toMatch(/presence_threshold/);
    expect(withJson('config.json', (j) => (j.vqa = { max_question_tokens: 0, max_unknown_fraction: 0.5 })).reason).toMatch(/vqa\.max_question_tokens/);
    expect(withJson('config.json', (j) => (j.answer_probability = 'mean')).reason).toMatch(/answer_probability/);
    expect(withJson('config.json', (j) => (j.answer_uncertain_below = -1)).reason).toMatch(/answer_uncertain_below/);
    expect(withJson('preprocessor_config.json', (j) => (j.fit = 'crop')).reason).toMatch(/fit/);
    const fusion = (j: Record<string, unknown>) => j.header_fusion as { slots: string[]; values: Record<string, string[]> };
    expect(withJson('config.json', (j) => (fusion(j).values.plane = ['axial', '<unk>'])).reason).toMatch(/header_fusion\.values\.plane\.0: must be "<unk>"/);
    expect(withJson('config.json', (j) => delete fusion(j).values.contrast).reason).toMatch(/header_fusion\.values\.contrast: slot "contrast" has no value list/);
    expect(withJson('config.json', (j) => (j.caption_prefix_slots = ['modality', 'colour'])).reason).toMatch(/caption_prefix_slots names "colour", which is not a header_fusion slot/);
    expect(withJson('config.json', (j) => fusion(j).values.modality.push('pet-ct-xyz')).reason).toMatch(/header_fusion\.values\.modality "pet-ct-xyz" is not in tokenizer\.json/);
    expect(withJson('config.json', (j) => delete (j.files as Record<string, string>).text_embed).reason).toMatch(/only one of image_embed \/ text_embed/);
  });

  it('mask_size (a mask refiner) comes with pixel_values_hires in mask_decoder_inputs, and only with it', () => {
    const hires = ['prompt_ids', 'image_embeds', 'pixel_features', 'pixel_values_hires'];
    expect(loadModelFolder(tinyRandomDir).config.mask_size).toBeUndefined();
    const dir = copyModel();
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), mask_size: 320, mask_decoder_inputs: hires }));
    expect(loadModelFolder(dir).config).toMatchObject({ mask_size: 320, mask_decoder_inputs: hires });

    const missing = withJson('config.json', (j) => (j.mask_size = 320));
    expect(missing.file).toBe('config.json');
    expect(missing.reason).toMatch(/mask_decoder_inputs: must include pixel_values_hires when mask_size is set \(mask_size 320\)/);
    expect(withJson('config.json', (j) => (j.mask_decoder_inputs = hires)).reason).toMatch(/mask_size: is required when mask_decoder_inputs includes pixel_values_hires/);
    for (const bad of [0, -320, 320.5, '320', null]) {
      expect(withJson('config.json', (j) => Object.assign(j, { mask_size: bad, mask_decoder_inputs: hires })).reason).toMatch(/^does not match the model folder format: mask_size: /);
    }
  });

  it('loads a folder without the 0.3 fields (0.2.0 layout): no embed task without the embedding graphs', () => {
    const dir = copyModel();
    const file = path.join(dir, 'config.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const key of ['presence_threshold', 'header_fusion', 'caption_prefix_slots', 'vqa', 'answer_probability', 'embeddings']) delete json[key];
    const files = json.files as Record<string, string>;
    delete files.image_embed;
    delete files.text_embed;
    writeFileSync(file, JSON.stringify(json));
    const folder = loadModelFolder(dir);
    expect(folder.config.header_fusion).toBeUndefined();
    expect(folder.onnxPaths.imageEmbed).toBeUndefined();
    expect(modelTasks(folder.config)).toEqual(['caption', 'vqa', 'segment']);
  });

  it('names a missing folder', () => {
    expect(loadError(path.join(scratch, 'nope')).reason).toMatch(/not found/);
  });
});

describe('discoverModels / defaultModel', () => {
  const writeConfig = (root: string, name: string, json: object, mtimeSeconds: number) => {
    mkdirSync(path.join(root, name), { recursive: true });
    const file = path.join(root, name, 'config.json');
    writeFileSync(file, JSON.stringify(json));
    utimesSync(file, mtimeSeconds, mtimeSeconds);
  };

  it('finds only vesalius-vlm folders and prefers the shipped model, else the newest', () => {
    const root = path.join(scratch, 'models-a');
    writeConfig(root, 'tiny-random', { model_type: 'vesalius-vlm', version: '0.1.0' }, 1_000);
    writeConfig(root, 'other-model', { model_type: 'bert', version: '9.0.0' }, 5_000);
    writeConfig(root, 'user-model', { model_type: 'vesalius-vlm', version: '0.2.0' }, 500);
    writeConfig(root, 'broken', {}, 9_000);
    writeFileSync(path.join(root, 'broken', 'config.json'), '{not json');
    expect(discoverModels(root).map((m) => m.name)).toEqual(['user-model', 'tiny-random']);
    expect(defaultModel(root)?.name).toBe('user-model');

    writeConfig(root, DEFAULT_MODEL_NAME, { model_type: 'vesalius-vlm', version: '0.1.0' }, 2_000);
    expect(defaultModel(root)?.name).toBe(DEFAULT_MODEL_NAME);
  });

  it('never makes a test fixture (config.json test_only) the default, however new', () => {
    const root = path.join(scratch, 'models-test-only');
    writeConfig(root, 'fixture', { model_type: 'vesalius-vlm', version: '9.0.0', test_only: true }, 3_000);
    writeConfig(root, 'real', { model_type: 'vesalius-vlm', version: '0.2.0' }, 1_000);
    expect(discoverModels(root).map((m) => [m.name, m.testOnly])).toEqual([
      ['fixture', true],
      ['real', false],
    ]);
    expect(defaultModel(root)?.name).toBe('real');
    rmSync(path.join(root, 'real'), { recursive: true });
    expect(defaultModel(root)).toBeNull();
  });

  it('breaks version ties by modification time and returns null without models', () => {
    const root = path.join(scratch, 'models-b');
    writeConfig(root, 'older', { model_type: 'vesalius-vlm', version: '1.0.0' }, 1_000);
    writeConfig(root, 'newer', { model_type: 'vesalius-vlm', version: '1.0.0' }, 2_000);
    expect(defaultModel(root)?.name).toBe('newer');
    expect(defaultModel(path.join(scratch, 'no-models'))).toBeNull();
  });
});
