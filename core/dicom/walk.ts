import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImportError } from '../contract/dicom';
import { ioErrorText } from '../fs/io-error';

export interface WalkResult {
  /** Absolute paths of regular files, in a stable order (inputs in order, folders depth-first by name), however many folders are read at once. */
  files: string[];
  /** Inputs, folders or entries that could not be read (code `unreadable`). */
  errors: ImportError[];
}

const describeIoError = ioErrorText;

const kindOf = (entry: { isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string =>
  entry.isFIFO() ? 'a FIFO' : entry.isSocket() ? 'a socket' : entry.isBlockDevice() || entry.isCharacterDevice() ? 'a device' : 'an unknown entry';

export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('indexing was cancelled', 'AbortError');
}

/**
 * `path.join` of a folder and one of its entries' names, without its normalising pass (~1 µs a
 * file): the folder path is already absolute and normal, and a listed name has no separator.
 */
const childPath = (dirPath: string, name: string): string => (dirPath.endsWith(path.sep) ? dirPath + name : dirPath + path.sep + name);

/** Folders read at once ahead of the walk (libuv's pool has 4 threads; a few more keep it fed). */
const FOLDER_READS_IN_FLIGHT = 8;
/** Folders read ahead and not yet walked, at most: bounds the memory a wide tree can hold. */
const FOLDERS_READ_AHEAD = 256;

/** A folder's real path and its entries, each read or failed on its own (the walk decides in that order). */
interface FolderRead {
  realDir: PromiseSettledResult<string>;
  entries: PromiseSettledResult<Dirent[]>;
}

/**
 * Reads folders (realpath and entries) ahead of the walk, a few at once, so a tree of many small
 * folders costs about one wait per FOLDER_READS_IN_FLIGHT folders instead of one per folder. Only
 * reads: every decision (seen before, order, errors) stays with the walk, which takes the reads in
 * its own order, so the result is the same as reading each folder when the walk reaches it.
 */
class FolderReadAhead {
  private readonly reads = new Map<string, { started: boolean; result: Promise<FolderRead>; start: () => void }>();
  private readonly queue: string[] = [];
  private inFlight = 0;
  private waiting = 0; // read (or reading) and not yet taken by the walk

  constructor(private readonly signal: AbortSignal | undefined) {}

  /** Asks for folders the walk will visit soon, in walk order, with their real paths. */
  prefetch(folders: Array<{ dirPath: string; realDir: string }>): void {
    for (const { dirPath, realDir } of folders) {
      if (this.reads.has(dirPath)) continue;
      this.reads.set(dirPath, this.entry(dirPath, realDir));
      this.queue.push(dirPath);
    }
    this.pump();
  }

  /**
   * The folder's read, started now if it has not been; each prefetched folder is taken once.
   * `realDir`, when known, spares the realpath call.
   */
  take(dirPath: string, realDir: string | undefined): Promise<FolderRead> {
    let read = this.reads.get(dirPath);
    if (read) this.reads.delete(dirPath);
    else read = this.entry(dirPath, realDir);
    // The walk waits on this one: read it now rather than behind the queue.
    if (!read.started) read.start();
    return read.result.finally(() => {
      this.waiting--;
      this.pump();
    });
  }

  private entry(dirPath: string, realDir: string | undefined): { started: boolean; result: Promise<FolderRead>; start: () => void } {
    let resolve: (r: FolderRead) => void = () => undefined;
    const result = new Promise<FolderRead>((r) => (resolve = r));
    const entry = {
      started: false,
      result,
      start: () => {
        entry.started = true;
        this.inFlight++;
        this.waiting++;
        readFolder(dirPath, realDir).then((r) => {
          this.inFlight--;
          resolve(r);
          this.pump();
        });
      },
    };
    return entry;
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < FOLDER_READS_IN_FLIGHT && this.waiting < FOLDERS_READ_AHEAD && !this.signal?.aborted) {
      const read = this.reads.get(this.queue.shift() as string);
      if (read && !read.started) read.start();
    }
  }
}

/** Both at once when the real path is not known: one wait per folder instead of two. Never rejects. */
async function readFolder(dirPath: string, knownRealDir: string | undefined): Promise<FolderRead> {
  const [realDir, entries] = await Promise.allSettled([
    knownRealDir ?? realpath(dirPath),
    readdir(dirPath, { withFileTypes: true }),
  ]);
  return { realDir, entries };
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
  const readAhead = new FolderReadAhead(signal);

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

  /** `knownRealDir`: the real path, when the folder was listed (not linked) in a folder whose real path is known. */
  const walkDir = async (dirPath: string, knownRealDir?: string): Promise<void> => {
    if (signal?.aborted) throw abortError(signal);
    const unreadable = (e: unknown): void => {
      errors.push({ path: dirPath, code: 'unreadable', reason: `folder could not be read: ${describeIoError(e)}` });
    };
    // A folder seen before (through a link) is read for nothing, rarely.
    const read = await readAhead.take(dirPath, knownRealDir);
    if (read.realDir.status === 'rejected') return unreadable(read.realDir.reason);
    const realDir = read.realDir.value;
    if (seenDirs.has(realDir)) return;
    seenDirs.add(realDir);
    if (read.entries.status === 'rejected') return unreadable(read.entries.reason);
    const entries = read.entries.value;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // A folder listed here (not a link) has this folder's real path + its name, as files do below.
    const subfolders = entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => ({ dirPath: childPath(dirPath, entry.name), realDir: childPath(realDir, entry.name) }));
    readAhead.prefetch(subfolders);
    for (const entry of entries) {
      const entryPath = childPath(dirPath, entry.name);
      if (entry.isDirectory()) await walkDir(entryPath, childPath(realDir, entry.name));
      else if (entry.isFile()) addFile(entryPath, childPath(realDir, entry.name));
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
