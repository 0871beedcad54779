// Generated phantom series, written once per content and copied where a test wants one: writing a 256 × 256
// phantom costs seconds per test on two shared cores, a copy costs milliseconds.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import type { PhantomOptions } from '../../core/fixtures/phantom';

/** The generator's code: a change to any of these is a new phantom, whatever the options. */
const GENERATOR_SOURCES = ['../../core/fixtures/phantom.ts', '../../core/fixtures/dicom-writer.ts', '../../core/fixtures/rle.ts'];

/** Shared by every worker and run on this machine; each entry is complete (it appears by a rename). */
const CACHE_ROOT = path.join(os.tmpdir(), 'vesalius-e2e-phantoms');

/** The cache key: the options (in a fixed key order) and the generator's source text. */
export function phantomKey(options: PhantomOptions): string {
  const hash = createHash('sha256');
  const sorted = Object.fromEntries(Object.entries(options).sort(([a], [b]) => a.localeCompare(b)));
  hash.update(JSON.stringify(sorted));
  for (const source of GENERATOR_SOURCES) hash.update(readFileSync(fileURLToPath(new URL(source, import.meta.url))));
  return hash.digest('hex').slice(0, 24);
}

/** The folder holding the phantom of these options, written on the first call of the run (or of an earlier run). */
async function cachedPhantomFolder(options: PhantomOptions): Promise<string> {
  const folder = path.join(CACHE_ROOT, phantomKey(options));
  if (existsSync(folder)) return folder;
  mkdirSync(CACHE_ROOT, { recursive: true });
  const staging = mkdtempSync(path.join(CACHE_ROOT, 'writing-'));
  try {
    const { writePhantomSeries } = (await tsImport('../../core/fixtures/phantom.ts', import.meta.url)) as typeof import('../../core/fixtures/phantom');
    await writePhantomSeries(staging, options);
    // Another worker may have written the same phantom meanwhile: its copy is as good as ours.
    if (!existsSync(folder)) renameSync(staging, folder);
  } catch (e) {
    if (!existsSync(folder)) throw e;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return folder;
}

/**
 * writePhantomSeries, from the cache: the same files (UIDs included) for the same options, copied into `dir`
 * so a test may add, export or delete files there without touching the cache. Returns the files' paths.
 * Only for options that stay the same from run to run (no fresh UIDs passed in), or the cache only grows.
 */
export async function writeCachedPhantomSeries(dir: string, options: PhantomOptions): Promise<string[]> {
  const folder = await cachedPhantomFolder(options);
  cpSync(folder, dir, { recursive: true });
  return readdirSync(folder)
    .sort()
    .map((name) => path.join(dir, name));
}
