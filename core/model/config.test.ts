import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, truncateSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_NAME, defaultModel, discoverModels, loadModelFolder } from './config';
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

  it('breaks version ties by modification time and returns null without models', () => {
    const root = path.join(scratch, 'models-b');
    writeConfig(root, 'older', { model_type: 'vesalius-vlm', version: '1.0.0' }, 1_000);
    writeConfig(root, 'newer', { model_type: 'vesalius-vlm', version: '1.0.0' }, 2_000);
    expect(defaultModel(root)?.name).toBe('newer');
    expect(defaultModel(path.join(scratch, 'no-models'))).toBeNull();
  });
});
