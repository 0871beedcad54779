// `npm start`: build, then run the desktop app — or, where Electron's binary is not installed
// (it cannot be downloaded on every machine), say so and run browser mode instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The Electron executable, or the reason there is none. `require('electron')` throws when its binary was never downloaded. */
function findElectron() {
  try {
    const binary = require('electron');
    if (typeof binary === 'string' && existsSync(binary)) return { binary };
    return { reason: `the electron package points at ${binary}, which does not exist` };
  } catch (e) {
    return { reason: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`start: \`${[command, ...args].join(' ')}\` failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
}

/** Runs a long-lived child, passes Ctrl-C / SIGTERM on to it, and exits with its code. */
function handOver(command, args) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.on('error', (e) => {
    console.error(`start: could not run ${command}: ${e.message}`);
    process.exit(1);
  });
}

const passThrough = process.argv.slice(2);
const electron = findElectron();

if (electron.binary) {
  run(npm, ['run', 'build']);
  handOver(electron.binary, [root, ...passThrough]);
} else {
  console.log(
    [
      'start: the Electron binary is not installed, so the desktop app cannot run on this machine',
      `       (${electron.reason}; its download is unavailable here, e.g. offline).`,
      '       Starting browser mode instead: the same app and services, served on 127.0.0.1 with a per-run token.',
      '       To get the desktop app, install the binary where it can be downloaded: `node node_modules/electron/install.js`.',
    ].join('\n'),
  );
  run(npm, ['run', 'build:renderer']);
  handOver(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'host', 'main.ts'), ...passThrough]);
}
