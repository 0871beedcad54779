// Test helper: the model folders committed under models/ that tests and benchmarks run against.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/data-dir';
import { DEFAULT_MODEL_NAME } from './config';

export const modelsDir = path.join(projectRoot, 'models');
export const tinyRandomDir = path.join(modelsDir, 'tiny-random');
export const shippedModelDir = path.join(modelsDir, DEFAULT_MODEL_NAME);
/** Its weight-only int8 variant (models/training/quantize.py), with its own reference/. */
export const shippedInt8ModelDir = path.join(modelsDir, `${DEFAULT_MODEL_NAME}-int8`);

/** tiny-random always; the trained model and its int8 variant once they are there. */
export const parityModelDirs = (): string[] =>
  [tinyRandomDir, shippedModelDir, shippedInt8ModelDir].filter((dir) => existsSync(path.join(dir, 'config.json')));
