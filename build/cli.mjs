// Bundles the command line (bin/cli.ts and everything it imports) into dist/cli/vesalius.mjs, which
// bin/vesalius runs while it is fresh: node starts it in ~0.1 s, where compiling the TypeScript
// through tsx on every start costs ~0.3 s more. dist/cli/inputs.json lists every file that went into
// it and when the build began, so bin/vesalius can tell a stale bundle and run the sources instead.
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist', 'cli');

/**
 * Each of our modules keeps its own import.meta.url (the source file's URL, as under tsx), so paths a
 * module computes from its own location (core/config/data-dir.ts's project root, createRequire) stay
 * right inside one bundle file. The bundle is only ever run in place, from this checkout.
 */
const ownImportMetaUrl = {
  name: 'vesalius-own-import-meta-url',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    },
    );
  },
};

const startedAt = Date.now();
const result = await build({
  entryPoints: [path.join(root, 'bin', 'cli.ts')],
  outfile: path.join(outDir, 'vesalius.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native addons and the inference runtime stay in node_modules, loaded from there at run time.
  external: ['better-sqlite3', 'onnxruntime-node', 'electron'],
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __vesaliusCreateRequire } from 'node:module'; const require = __vesaliusCreateRequire(import.meta.url);" },
  plugins: [ownImportMetaUrl],
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const inputs = Object.keys(result.metafile.inputs).map((p) => path.resolve(root, p));
await mkdir(outDir, { recursive: true });
await writeFile(path.join(outDir, 'inputs.json'), JSON.stringify({ startedAt, inputs }, null, 1) + '\n');
console.log(`build: dist/cli/vesalius.mjs from ${inputs.length} files`);
