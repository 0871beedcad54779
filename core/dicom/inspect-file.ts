import { open } from 'node:fs/promises';
import type { ImportError } from '../contract/dicom';
import { describeInstance, type InstanceRecord } from './describe-instance';
import { pixelDataProblem } from './pixel-integrity';
import { parserMessage, readHeader } from './read-header';

export type FileOutcome = { kind: 'instance'; record: InstanceRecord } | { kind: 'error'; error: ImportError };

const isIoError = (e: unknown): e is NodeJS.ErrnoException =>
  e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test(String((e as NodeJS.ErrnoException).code));

/** Reads one file's header and decides what it is. Never throws: every failure becomes an error value naming the file. */
export async function inspectFile(path: string, prefixBytes?: number): Promise<FileOutcome> {
  const fail = (code: ImportError['code'], reason: string): FileOutcome => ({ kind: 'error', error: { path, code, reason } });
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    return fail('unreadable', `cannot open: ${isIoError(e) ? `${e.code} ${e.message}` : parserMessage(e)}`);
  }
  try {
    const { size } = await handle.stat();
    const header = await readHeader(handle, size, prefixBytes);
    if (!header.ok) return fail(header.code, header.reason);
    const described = describeInstance(path, header);
    if (!described.ok) return fail(described.code, described.reason);
    const problem = await pixelDataProblem(handle, size, header);
    if (problem) return fail('truncated', problem);
    return { kind: 'instance', record: described.record };
  } catch (e) {
    if (isIoError(e)) return fail('unreadable', `read failed: ${e.code} ${e.message}`);
    return fail('not_dicom', `malformed DICOM: ${parserMessage(e)}`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
