import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (two levels above this file). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The one setting that locates the real data: VESALIUS_DATA_DIR, else `../shared/data` beside the project.
 * Returns null when the folder is absent, so callers can skip with a clear message.
 */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = env.VESALIUS_DATA_DIR ? path.resolve(env.VESALIUS_DATA_DIR) : path.resolve(projectRoot, '..', 'shared', 'data');
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : null;
}

export const dataDirMissingMessage = (): string =>
  'real data directory not found (set VESALIUS_DATA_DIR or place it at ../shared/data): skipping tests that need it';
