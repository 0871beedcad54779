// Test helper: the model folders committed under models/ that tests and benchmarks run against.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/data-dir';

export const modelsDir = path.join(projectRoot, 'models');
export const tinyRandomDir = path.join(modelsDir, 'tiny-random');
export const shippedModelDir = path.join(modelsDir, 'vesalius-vlm-0.1.0');

/** tiny-random always; the trained model once it is committed. */
export const parityModelDirs = (): string[] => [tinyRandomDir, shippedModelDir].filter((dir) => existsSync(path.join(dir, 'config.json')));
