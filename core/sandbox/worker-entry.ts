// Where a reader thread's code is, in each way the app runs: TypeScript sources (tsx, vitest, the
// CLI bundle, which keeps each module's source import.meta.url) or the Electron main bundle.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** How `new Worker` starts a thread: a script file, or code to evaluate (a TypeScript entry behind tsx). */
export interface WorkerStart {
  filename: string;
  eval: boolean;
}

/** The reader thread's entry next to this file (TypeScript sources), else the bundle build/esbuild.mjs writes. */
export function defaultReaderEntry(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return path.join(path.dirname(here), 'readers-worker.ts');
  // Bundled: this code lives in dist/main/main.cjs (or another dist/<folder>/ bundle).
  return path.resolve(path.dirname(here), '..', 'workers', 'readers.cjs');
}

/**
 * How to start `entry`. A .ts entry is imported by a few lines of evaluated code after registering
 * tsx's loader on the new thread: on Node 20 a worker ignores `--import` in its execArgv, and a
 * thread started inside vitest inherits no loader at all.
 */
export function workerStartOf(entry: string): WorkerStart {
  if (!entry.endsWith('.ts')) return { filename: entry, eval: false };
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const tsxApi = path.join(root, 'node_modules', 'tsx', 'dist', 'esm', 'api', 'index.mjs');
  const tsxUrl = existsSync(tsxApi) ? pathToFileURL(tsxApi).href : 'tsx/esm/api';
  const code = `import(${JSON.stringify(tsxUrl)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); });`;
  return { filename: code, eval: true };
}
