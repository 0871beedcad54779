// npm removes the optional `electron` package when its install step cannot download the Electron binary
// (offline machines, like ours). Its type declarations are still needed to type-check main/, so put the
// package back without the binary. Where the download worked, the package is present and this does nothing.
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const version = pkg.optionalDependencies?.electron;

if (version && !process.env.VESALIUS_ENSURING_ELECTRON && !existsSync(path.join(root, 'node_modules', 'electron', 'electron.d.ts'))) {
  console.log(`electron ${version}: its binary could not be downloaded here; installing the package without it (types only).`);
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', `electron@${version}`], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', VESALIUS_ENSURING_ELECTRON: '1' },
  });
}
