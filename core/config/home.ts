// The one data home of the app, the host and the CLI: the catalog, the annotation store, caches.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Folder name under the platform's user data folder. */
const APP_FOLDER = 'Vesalius';

/**
 * Where Vesalius keeps its data: `VESALIUS_HOME` when set, else the platform's user data folder —
 * Electron passes `app.getPath('userData')`; browser mode and the CLI use the XDG data dir on Linux
 * (`$XDG_DATA_HOME/vesalius`, default `~/.local/share/vesalius`), `~/Library/Application Support/Vesalius`
 * on macOS and `%APPDATA%\Vesalius` on Windows. Not created here (see ensureHome).
 */
export function resolveHome(env: NodeJS.ProcessEnv = process.env, electronUserData?: string): string {
  if (env.VESALIUS_HOME) return path.resolve(env.VESALIUS_HOME);
  if (electronUserData) return electronUserData;
  const userHome = env.HOME || os.homedir();
  if (process.platform === 'darwin') return path.join(userHome, 'Library', 'Application Support', APP_FOLDER);
  if (process.platform === 'win32') return path.join(env.APPDATA || path.join(userHome, 'AppData', 'Roaming'), APP_FOLDER);
  const xdgData = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(userHome, '.local', 'share');
  return path.join(xdgData, APP_FOLDER.toLowerCase());
}

export class HomeError extends Error {}

/** Creates the home on first start and checks it is a writable folder; a HomeError names the folder and the reason. */
export function ensureHome(home: string): string {
  try {
    mkdirSync(home, { recursive: true });
  } catch (e) {
    throw new HomeError(`data home ${home}: cannot be created (${(e as NodeJS.ErrnoException).code ?? String(e)}); set VESALIUS_HOME to a writable folder`);
  }
  if (!statSync(home).isDirectory()) throw new HomeError(`data home ${home}: is a file, not a folder; set VESALIUS_HOME to a folder`);
  try {
    accessSync(home, constants.W_OK);
  } catch {
    throw new HomeError(`data home ${home}: is read-only; set VESALIUS_HOME to a writable folder`);
  }
  return home;
}
