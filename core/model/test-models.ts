// Test helper: the model folders committed under models/ that tests and benchmarks run against.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/data-dir';
import { DEFAULT_MODEL_NAME } from './config';

export const modelsDir = path.join(projectRoot, 'models');
export const tinyRandomDir = path.join(modelsDir, 'tiny-random');
export const shippedModelDir = path.join(modelsDir, DEFAULT_MODEL_NAME);

/** tiny-random always; the trained model once it is committed. */
export const parityModelDirs = (): string[] => [tinyRandomDir, shippedModelDir].filter((dir) => existsSync(path.join(dir, 'config.json')));
