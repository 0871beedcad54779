import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImportError } from '../contract/dicom';

export interface WalkResult {
  /** Absolute paths of regular files, in a stable order (inputs in order, folders depth-first by name). */
  files: string[];
  /** Inputs, folders or entries that could not be read (code `unreadable`). */
  errors: ImportError[];
}

const describeIoError = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err && typeof err.code === 'string' ? `${err.code}: ${err.message}` : String(e);
};

const kindOf = (entry: { isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string =>
  entry.isFIFO() ? 'a FIFO' : entry.isSocket() ? 'a socket' : entry.isBlockDevice() || entry.isCharacterDevice() ? 'a device' : 'an unknown entry';

export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('indexing was cancelled', 'AbortError');
}

/**
 * Collects the regular files under the given files and folders. Follows symbolic links but visits
 * each real folder and each real file once, so link loops end and overlapping inputs count once.
 * Never opens anything but folders: FIFOs and devices are reported, not read (reading one could block forever).
 */
export async function collectFiles(
  inputs: string[],
  signal?: AbortSignal,
  /** Told the running count of files found, as the walk goes (lets a caller start work early). */
  onFound?: (count: number) => void,
): Promise<WalkResult> {
  const files: string[] = [];
  const errors: ImportError[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();

  const addFile = (filePath: string, realFilePath: string): void => {
    if (seenFiles.has(realFilePath)) return;
    seenFiles.add(realFilePath);
    files.push(filePath);
    onFound?.(files.length);
  };

  const visitByStat = async (entryPath: string, isInput: boolean): Promise<void> => {
    let info;
    try {
      info = await stat(entryPath);
    } catch (e) {
      const reason = isInput ? `cannot access: ${describeIoError(e)}` : `broken symbolic link: ${describeIoError(e)}`;
      errors.push({ path: entryPath, code: 'unreadable', reason });
      return;
    }
    if (info.isDirectory()) return walkDir(entryPath);
    if (info.isFile()) {
      let real = entryPath;
      try {
        real = await realpath(entryPath);
      } catch {
        // keep the given path as identity: the file itself will report the I/O problem
      }
      addFile(entryPath, real);
      return;
    }
    errors.push({ path: entryPath, code: 'unreadable', reason: `not a regular file (${kindOf(info)})` });
  };

  const walkDir = async (dirPath: string): Promise<void> => {
    if (signal?.aborted) throw abortError(signal);
    let realDir: string;
    let entries: Dirent[];
    try {
      // Both at once: one wait per folder instead of two (a folder seen before is read for nothing, rarely).
      const [realRead, entriesRead] = await Promise.allSettled([realpath(dirPath), readdir(dirPath, { withFileTypes: true })]);
      if (realRead.status === 'rejected') throw realRead.reason;
      realDir = realRead.value;
      if (seenDirs.has(realDir)) return;
      seenDirs.add(realDir);
      if (entriesRead.status === 'rejected') throw entriesRead.reason;
      entries = entriesRead.value;
    } catch (e) {
      errors.push({ path: dirPath, code: 'unreadable', reason: `folder could not be read: ${describeIoError(e)}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const entryPath = path.join(dirPath, entry.name);
      if (entry.isDirectory()) await walkDir(entryPath);
      else if (entry.isFile()) addFile(entryPath, path.join(realDir, entry.name));
      else if (entry.isSymbolicLink()) await visitByStat(entryPath, false);
      else errors.push({ path: entryPath, code: 'unreadable', reason: `not a regular file (${kindOf(entry)})` });
    }
  };

  for (const input of inputs) {
    if (signal?.aborted) throw abortError(signal);
    await visitByStat(path.resolve(input), true);
  }
  return { files, errors };
}
