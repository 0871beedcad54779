// Test support: the walk's documented rules, written independently of walk.ts as one blocking
// sequential walk (each folder read when reached, realpath asked of every folder), to check that
// collectFiles' folders-read-ahead walk decides exactly as a plain sequential walk would.
import { type Dirent, type Stats, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ioErrorText } from '../fs/io-error';
import type { WalkResult } from './walk';

const ioText = ioErrorText;

const kindText = (entry: Dirent | Stats): string =>
  entry.isFIFO() ? 'a FIFO' : entry.isSocket() ? 'a socket' : entry.isBlockDevice() || entry.isCharacterDevice() ? 'a device' : 'an unknown entry';

export function sequentialWalk(inputs: string[]): WalkResult {
  const result: WalkResult = { files: [], errors: [] };
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  const add = (filePath: string, real: string): void => {
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    result.files.push(filePath);
  };
  const byStat = (entryPath: string, isInput: boolean): void => {
    let info: Stats;
    try {
      info = statSync(entryPath);
    } catch (e) {
      result.errors.push({ path: entryPath, code: 'unreadable', reason: `${isInput ? 'cannot access' : 'broken symbolic link'}: ${ioText(e)}` });
      return;
    }
    if (info.isDirectory()) return folder(entryPath);
    if (!info.isFile()) {
      result.errors.push({ path: entryPath, code: 'unreadable', reason: `not a regular file (${kindText(info)})` });
      return;
    }
    let real = entryPath;
    try {
      real = realpathSync.native(entryPath);
    } catch {
      // as the walk: the path itself is the identity
    }
    add(entryPath, real);
  };
  const folder = (dirPath: string): void => {
    const unreadable = (e: unknown): void => {
      result.errors.push({ path: dirPath, code: 'unreadable', reason: `folder could not be read: ${ioText(e)}` });
    };
    let real: string;
    try {
      real = realpathSync.native(dirPath);
    } catch (e) {
      return unreadable(e);
    }
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(dirPath, { withFileTypes: true });
    } catch (e) {
      return unreadable(e);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const entryPath = path.join(dirPath, entry.name);
      if (entry.isDirectory()) folder(entryPath);
      else if (entry.isFile()) add(entryPath, path.join(real, entry.name));
      else if (entry.isSymbolicLink()) byStat(entryPath, false);
      else result.errors.push({ path: entryPath, code: 'unreadable', reason: `not a regular file (${kindText(entry)})` });
    }
  };
  for (const input of inputs) byStat(path.resolve(input), true);
  return result;
}
