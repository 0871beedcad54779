// Bundles the Electron side: main process, sandboxed preload, the reader threads, and (when present) the inference worker.
// The renderer is built separately by Vite (`npm run build:renderer`).
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fromRoot = (p) => path.join(root, p);

// core/config/data-dir.ts reads import.meta.url, which a CJS bundle does not have.
// Give it the bundle file's own URL, so paths computed from it stay correct (dist/main/ → project root two levels up).
const importMetaUrlShim = {
  banner: { js: "const __vesalius_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__vesalius_import_meta_url' },
};

const common = {
  bundle: true,
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'info',
  legalComments: 'none',
};

/**
 * The preload needs only the call and event names, not the zod schemas behind them. Read the names from the
 * contract at build time and hand the preload a two-line module, so it stays a few kB and imports nothing but electron.
 */
async function callNamesPlugin() {
  const bundled = await build({
    entryPoints: [fromRoot('core/contract/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  const source = bundled.outputFiles[0].text;
  const contractModule = await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
  const names = Object.keys(contractModule.contract);
  if (names.length === 0) throw new Error('build: the contract has no calls');
  const events = contractModule.eventNames;
  if (!Array.isArray(events) || events.length === 0) throw new Error('build: the contract exports no eventNames');
  return {
    name: 'vesalius-call-names',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /\/core\/contract\/index$/ }, (args) => ({ path: args.path, namespace: 'vesalius-call-names' }));
      pluginBuild.onLoad({ filter: /.*/, namespace: 'vesalius-call-names' }, () => ({
        contents: `export const callNames = ${JSON.stringify(names)};\nexport const eventNames = ${JSON.stringify(events)};`,
        loader: 'js',
      }));
    },
  };
}

const targets = [
  {
    ...common,
    ...importMetaUrlShim,
    entryPoints: [fromRoot('main/main.ts')],
    outfile: fromRoot('dist/main/main.cjs'),
    platform: 'node',
    // Native modules load from node_modules (unpacked from the asar, rebuilt for Electron's ABI by electron-builder).
    external: ['electron', 'onnxruntime-node', 'better-sqlite3'],
  },
  {
    // A sandboxed preload may require only `electron` (and a few polyfilled modules): everything else is bundled.
    ...common,
    entryPoints: [fromRoot('main/preload.ts')],
    outfile: fromRoot('dist/main/preload.cjs'),
    platform: 'browser',
    external: ['electron'],
    plugins: [await callNamesPlugin()],
  },
  {
    // The reader threads (core/sandbox): every reader of untrusted mask and image bytes, off the main thread.
    ...common,
    ...importMetaUrlShim,
    entryPoints: [fromRoot('core/sandbox/readers-worker.ts')],
    outfile: fromRoot('dist/workers/readers.cjs'),
    platform: 'node',
    external: ['electron'],
  },
];

const workerEntry = fromRoot('workers/inference/worker.ts');
if (existsSync(workerEntry)) {
  targets.push({
    ...common,
    ...importMetaUrlShim,
    entryPoints: [workerEntry],
    outfile: fromRoot('dist/workers/inference.cjs'),
    platform: 'node',
    external: ['electron', 'onnxruntime-node'],
  });
} else {
  console.log(`build: ${path.relative(root, workerEntry)} not present; skipping the inference worker bundle`);
}

const outcomes = await Promise.allSettled(targets.map((options) => build(options)));
const failed = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [path.relative(root, targets[i].outfile)] : []));
if (failed.length > 0) {
  // esbuild has already printed each error with its file and line.
  console.error(`build: bundling failed for ${failed.join(', ')}`);
  process.exit(1);
}

// core/report/pdf.ts reads its font from fonts/ beside its module's URL, which in the main bundle is dist/main/.
cpSync(fromRoot('core/report/fonts'), fromRoot('dist/main/fonts'), { recursive: true });
