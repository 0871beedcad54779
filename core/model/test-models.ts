// Test helper: the model folders committed under models/ that tests and benchmarks run against.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/data-dir';
import { DEFAULT_MODEL_NAME } from './config';

export const modelsDir = path.join(projectRoot, 'models');
export const tinyRandomDir = path.join(modelsDir, 'tiny-random');
export const shippedModelDir = path.join(modelsDir, DEFAULT_MODEL_NAME);
/** Its weight-only int8 variant (models/training/quantize.py), with its own reference/. */
export const shippedInt8ModelDir = path.join(modelsDir, `${DEFAULT_MODEL_NAME}-int8`);

/**
 * Every model folder under models/ with parity data (config.json and reference/manifest.json): tiny-random, the
 * shipped model and its int8 variant, and any newer folder (models/vesalius-vlm-0.3.0 once it is exported), so
 * a new model is covered without editing this list.
 */
export const parityModelDirs = (): string[] => {
  const hasParityData = (dir: string) => existsSync(path.join(dir, 'config.json')) && existsSync(path.join(dir, 'reference', 'manifest.json'));
  const others = existsSync(modelsDir)
    ? readdirSync(modelsDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => path.join(modelsDir, entry.name))
        .sort()
    : [];
  return [...new Set([tinyRandomDir, shippedModelDir, shippedInt8ModelDir, ...others])].filter(hasParityData);
};
