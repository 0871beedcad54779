import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Maps a URL path (`/assets/app.js`) to a regular file inside `rootDir`, or null.
 * Null for anything that escapes the root (`..`, encoded or not, or a symlink pointing out),
 * a NUL byte, a malformed escape, or something that is not a regular file. `/` maps to index.html.
 * Shared by the browser-mode host and Electron's custom protocol.
 */
export function resolveStaticFile(rootDir: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  let root: string;
  try {
    root = realpathSync(rootDir);
  } catch {
    return null;
  }
  const candidate = path.resolve(root, relative);
  if (!isInside(root, candidate)) return null;
  try {
    // Resolve symlinks too: a link inside the root must not lead outside it.
    const real = realpathSync(candidate);
    if (!isInside(root, real) || !statSync(real).isFile()) return null;
    return real;
  } catch {
    return null;
  }
}

const isInside = (root: string, candidate: string): boolean =>
  candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
