import type { ImportError } from '../contract/dicom';
import { describeInstance, type InstanceRecord } from './describe-instance';
import { closeSoon, fileSizeOf, openForRead, readAt } from './file-io';
import { pixelDataProblem } from './pixel-integrity';
import { DEFAULT_PREFIX_BYTES, parserMessage, readHeader } from './read-header';

export type FileOutcome = { kind: 'instance'; record: InstanceRecord } | { kind: 'error'; error: ImportError };

const isIoError = (e: unknown): e is NodeJS.ErrnoException =>
  e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test(String((e as NodeJS.ErrnoException).code));

/** Reads one file's header and decides what it is. Never throws: every failure becomes an error value naming the file. */
export async function inspectFile(path: string, prefixBytes: number = DEFAULT_PREFIX_BYTES): Promise<FileOutcome> {
  const fail = (code: ImportError['code'], reason: string): FileOutcome => ({ kind: 'error', error: { path, code, reason } });
  let fd: number;
  try {
    fd = await openForRead(path);
  } catch (e) {
    return fail('unreadable', `cannot open: ${isIoError(e) ? `${e.code} ${e.message}` : parserMessage(e)}`);
  }
  try {
    // Size and first bytes at once (two requests in flight, one wait); a short read sizes the file itself.
    const [firstBytes, statSize] = await Promise.all([readAt(fd, 0, prefixBytes), fileSizeOf(fd)]);
    const size = firstBytes.length < prefixBytes ? firstBytes.length : statSize;
    const header = await readHeader(fd, firstBytes, size);
    if (!header.ok) return fail(header.code, header.reason);
    const described = describeInstance(path, header);
    if (!described.ok) return fail(described.code, described.reason);
    const problem = await pixelDataProblem(fd, size, header);
    if (problem) return fail('truncated', problem);
    return { kind: 'instance', record: described.record };
  } catch (e) {
    if (isIoError(e)) return fail('unreadable', `read failed: ${e.code} ${e.message}`);
    return fail('malformed', `unexpected failure while reading the header: ${parserMessage(e)}`);
  } finally {
    closeSoon(fd);
  }
}
