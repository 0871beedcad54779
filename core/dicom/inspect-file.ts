import type { ImportError } from '../contract/dicom';
import { ioErrorText } from '../fs/io-error';
import { describeInstance, type InstanceRecord } from './describe-instance';
import { closeSoon, fileSizeOf, openForRead, rangeReaderOf, readAt, type ReadRange } from './file-io';
import { pixelDataProblem } from './pixel-integrity';
import type { PrefetchedFile } from './prefix-reader';
import { parserWords } from './parser-words';
import { DEFAULT_PREFIX_BYTES, readHeader } from './read-header';

export type FileOutcome = { kind: 'instance'; record: InstanceRecord } | { kind: 'error'; error: ImportError };

const isIoError = (e: unknown): e is NodeJS.ErrnoException =>
  e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test(String((e as NodeJS.ErrnoException).code));

const failure = (path: string, code: ImportError['code'], reason: string): FileOutcome => ({ kind: 'error', error: { path, code, reason } });

/** Decides what a file is from its first bytes and size; `readRange` fetches anything further. */
async function inspectBytes(path: string, firstBytes: Buffer, size: number, readRange: ReadRange): Promise<FileOutcome> {
  try {
    const header = await readHeader(readRange, firstBytes, size);
    if (!header.ok) return failure(path, header.code, header.reason);
    const described = describeInstance(path, header);
    if (!described.ok) return failure(path, described.code, described.reason);
    const problem = await pixelDataProblem(readRange, size, header);
    if (problem) return failure(path, 'truncated', problem);
    return { kind: 'instance', record: described.record };
  } catch (e) {
    if (isIoError(e)) return failure(path, 'unreadable', `read failed: ${ioErrorText(e)}`);
    return failure(path, 'malformed', `the header cannot be read: ${parserWords(e)}`);
  }
}

/** Reads one file's header and decides what it is. Never throws: every failure becomes an error value naming the file. */
export async function inspectFile(path: string, prefixBytes: number = DEFAULT_PREFIX_BYTES): Promise<FileOutcome> {
  let fd: number;
  try {
    fd = await openForRead(path);
  } catch (e) {
    return failure(path, 'unreadable', `cannot open: ${isIoError(e) ? ioErrorText(e) : 'the path cannot be opened as a file'}`);
  }
  try {
    // Size and first bytes at once (two requests in flight, one wait); a short read sizes the file itself.
    // allSettled, not all: the descriptor must not be closed (and its number reused) while either is in flight.
    const [firstRead, statRead] = await Promise.allSettled([readAt(fd, 0, prefixBytes), fileSizeOf(fd)]);
    if (firstRead.status === 'rejected') throw firstRead.reason;
    const firstBytes = firstRead.value;
    if (statRead.status === 'rejected' && firstBytes.length >= prefixBytes) throw statRead.reason;
    const statSize = statRead.status === 'fulfilled' ? statRead.value : firstBytes.length;
    const size = firstBytes.length < prefixBytes ? firstBytes.length : statSize;
    return await inspectBytes(path, firstBytes, size, rangeReaderOf(fd));
  } catch (e) {
    if (isIoError(e)) return failure(path, 'unreadable', `read failed: ${ioErrorText(e)}`);
    return failure(path, 'malformed', `the header cannot be read: ${parserWords(e)}`);
  } finally {
    closeSoon(fd);
  }
}

/**
 * Same decision as inspectFile, from bytes a batch reader already fetched (first bytes, size and
 * last 8 bytes). The file is opened again only when the header or the pixel check needs more.
 */
export async function inspectPrefetched(path: string, fetched: PrefetchedFile): Promise<FileOutcome> {
  if (!fetched.ok) {
    const words = ioErrorText({ code: fetched.code, message: fetched.message });
    const reason = fetched.stage === 'open' ? `cannot open: ${words}` : `read failed: ${words}`;
    return failure(path, 'unreadable', reason);
  }
  const { head, tail, size } = fetched;
  let fd: Promise<number> | null = null;
  const readRange: ReadRange = async (position, length) => {
    if (tail && position >= size - tail.length && position + length <= size) {
      const from = position - (size - tail.length);
      return tail.subarray(from, from + length);
    }
    fd ??= openForRead(path);
    return readAt(await fd, position, length);
  };
  try {
    return await inspectBytes(path, head, size, readRange);
  } finally {
    if (fd) (fd as Promise<number>).then(closeSoon, () => undefined);
  }
}
