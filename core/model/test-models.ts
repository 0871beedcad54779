// Test helper: the model folders committed under models/ that tests and benchmarks run against.
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/data-dir';
import { DEFAULT_MODEL_NAME } from './config';

export const modelsDir = path.join(projectRoot, 'models');
export const tinyRandomDir = path.join(modelsDir, 'tiny-random');
/** The bundled default model (DEFAULT_MODEL_NAME): the folder the app ships and uses when none is chosen. */
export const shippedModelDir = path.join(modelsDir, DEFAULT_MODEL_NAME);
/** The 0.2 layout model (no header fusion, presence or embeddings), kept for the tests of that layout. */
export const v020ModelDir = path.join(modelsDir, 'vesalius-vlm-0.2.0');
/**
 * The weight-only int8 variant of 0.2.0 (models/training/quantize.py), with its own reference/. It is of 0.2.0,
 * not of the bundled default: no 0.3 int8 folder exists; its config.json names its source folder.
 */
export const int8ModelDir = path.join(modelsDir, 'vesalius-vlm-0.2.0-int8');

/**
 * tiny-random's files copied to `dir` (without its parity data) as a model the app lists: its config.json without
 * `test_only` (tiny-random itself is a test fixture, which the app's picker leaves out). For tests of the model list.
 */
export function copyTinyAsListedModel(dir: string): string {
  cpSync(tinyRandomDir, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}reference`) });
  const configPath = path.join(dir, 'config.json');
  const { test_only: _testOnly, ...config } = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(configPath, JSON.stringify(config, null, 1));
  return dir;
}

/**
 * Every model folder under models/ with parity data (config.json and reference/manifest.json): tiny-random, the
 * shipped model, 0.2.0 and its int8 variant, and any newer folder, so a new model is covered without editing
 * this list. VESALIUS_PARITY_MODELS (folders, path.delimiter-separated) adds folders outside models/: to check an
 * export before it is copied in.
 */
export const parityModelDirs = (): string[] => {
  const hasParityData = (dir: string) => existsSync(path.join(dir, 'config.json')) && existsSync(path.join(dir, 'reference', 'manifest.json'));
  const others = existsSync(modelsDir)
    ? readdirSync(modelsDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => path.join(modelsDir, entry.name))
        .sort()
    : [];
  const extra = (process.env.VESALIUS_PARITY_MODELS ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.resolve(dir));
  // A folder named on purpose is never skipped quietly.
  for (const dir of extra) if (!hasParityData(dir)) throw new Error(`VESALIUS_PARITY_MODELS: ${dir} has no config.json and reference/manifest.json`);
  return [...new Set([tinyRandomDir, shippedModelDir, v020ModelDir, int8ModelDir, ...others, ...extra])].filter(hasParityData);
};
