import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelFolder, type ModelFolder } from './config';
import { modelConfigSchema } from './schemas';
import { int8ModelDir, tinyRandomDir, v020ModelDir } from './test-models';

const ONNX_KEYS = ['imageEncoder', 'textDecoder', 'maskDecoder'] as const;
// The int8 folder is a variant of 0.2.0 (its config.json says so), not of the bundled default: compared with 0.2.0.
const hasInt8 = existsSync(path.join(int8ModelDir, 'config.json'));
const hasFp32 = existsSync(path.join(v020ModelDir, 'config.json'));
if (!hasInt8) console.log(`${int8ModelDir} not present: skipping the int8 model checks (make it with models/training/quantize.py)`);

describe('config.json quantization field', () => {
  const tinyConfig = JSON.parse(readFileSync(path.join(tinyRandomDir, 'config.json'), 'utf8')) as Record<string, unknown>;

  it('is optional: an fp32 config has none', () => {
    expect(loadModelFolder(tinyRandomDir).config.quantization).toBeUndefined();
  });

  it('is kept when present, and must name the weight and activation formats', () => {
    const quantization = { weights: 'int8 per-channel symmetric, Cast+Mul', activations: 'float32' };
    expect(modelConfigSchema.parse({ ...tinyConfig, quantization }).quantization).toEqual(quantization);
    expect(modelConfigSchema.safeParse({ ...tinyConfig, quantization: { weights: 'int8' } }).success).toBe(false);
    expect(modelConfigSchema.safeParse({ ...tinyConfig, quantization: 'int8' }).success).toBe(false);
  });
});

describe.skipIf(!hasInt8)(`${path.basename(int8ModelDir)}: the weight-only int8 variant of ${path.basename(v020ModelDir)}`, () => {
  const load = (): ModelFolder => loadModelFolder(int8ModelDir);

  it('loads through loadModelFolder and declares int8 weights with float32 activations', () => {
    const { config } = load();
    expect(config.quantization?.weights).toMatch(/^int8 per-channel symmetric/);
    expect(config.quantization?.activations).toBe('float32');
  });

  it('names the fp32 folder it was quantized from, the one these tests compare it with', () => {
    const raw = JSON.parse(readFileSync(path.join(int8ModelDir, 'config.json'), 'utf8')) as { quantization?: { source?: unknown } };
    expect(raw.quantization?.source).toBe(path.basename(v020ModelDir));
  });

  it.skipIf(!hasFp32)('has ONNX files of at most 35 % of the fp32 bytes', () => {
    const fp32 = loadModelFolder(v020ModelDir);
    const int8 = load();
    let fp32Bytes = 0;
    let int8Bytes = 0;
    for (const key of ONNX_KEYS) {
      const a = statSync(fp32.onnxPaths[key]).size;
      const b = statSync(int8.onnxPaths[key]).size;
      expect(b / a, `${path.basename(int8.onnxPaths[key])}: ${b} vs ${a} bytes`).toBeLessThanOrEqual(0.35);
      fp32Bytes += a;
      int8Bytes += b;
    }
    expect(int8Bytes / fp32Bytes).toBeLessThanOrEqual(0.35);
  });

  it.skipIf(!hasFp32)('is the same model otherwise: config, tokenizer and preprocessing as the fp32 folder', () => {
    const fp32 = loadModelFolder(v020ModelDir);
    const int8 = load();
    const { quantization, ...rest } = int8.config;
    expect(quantization).toBeDefined();
    expect(rest).toEqual(fp32.config);
    expect(int8.tokenizer).toEqual(fp32.tokenizer);
    expect(int8.preprocessor).toEqual(fp32.preprocessor);
  });
});
