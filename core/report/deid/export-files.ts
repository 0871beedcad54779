// A de-identified export of files and folders (the Node I/O around deidentify.ts): every regular file
// under the inputs is read through openRegularFile (regular files only, size checked before reading),
// de-identified with one DeidSession (one UID mapping for the whole export) and written under the
// output folder at its relative path; files that are not DICOM are reported and skipped.
import { mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { collectFiles } from '../../dicom/walk';
import { ioErrorText } from '../../fs/io-error';
import { MaskReadError } from '../../masks/mask-error';
import { openRegularFile, readWhole } from '../../masks/open-regular-file';
import { writeWhole } from '../../services/export-handlers';
import { DeidSession } from './deid-session';
import { DeidError, NotDicomError, cleansTexts, deidentifyPart10, gatherIdentifying, type DeidActionCounts, type DeidFlag } from './deidentify';
import type { DeidOption } from './method-codes';

/** Larger files are refused before they are read (a Part 10 file is read whole). */
export const MAX_DEID_FILE_BYTES = 1024 * 1024 * 1024;
const DICOMDIR_CLASS = '1.2.840.10008.1.3.10';

export interface DeidFileReport {
  source: string;
  output: string;
  transferSyntaxUid: string;
  sopClassUid: string;
  actions: DeidActionCounts;
  flags: DeidFlag[];
}

export interface DeidFileProblem {
  source: string;
  reason: string;
}

export interface DeidExportReport {
  outDir: string;
  options: DeidOption[];
  files: DeidFileReport[];
  /** Not DICOM (or a DICOMDIR): not written. */
  skipped: DeidFileProblem[];
  /** DICOM files (or inputs) that could not be read, de-identified or written. */
  failed: DeidFileProblem[];
}

/** The export would write into (or over) its own inputs; refused before anything is read. */
export class DeidOutputError extends Error {}

const isInside = (child: string, parent: string): boolean => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

async function realOrResolved(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    return path.resolve(p);
  }
}

/** Where each input's files go: the output folder itself for one input, else a folder per input named after it. */
async function outputRoots(inputs: string[], outDir: string): Promise<string[]> {
  const realOut = await realOrResolved(outDir);
  for (const input of inputs) {
    const realInput = await realOrResolved(input);
    if (isInside(realOut, realInput) || isInside(realInput, realOut)) {
      throw new DeidOutputError(`the output folder ${outDir} and the input ${input} overlap; choose an output folder outside every input (inputs are never overwritten)`);
    }
  }
  if (inputs.length === 1) return [outDir];
  const used = new Map<string, number>();
  return inputs.map((input) => {
    const base = path.basename(path.resolve(input)) || 'input';
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return path.join(outDir, n === 1 ? base : `${base}-${n}`);
  });
}

async function readInput(file: string): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(file, file, 'DICOM');
  try {
    if (size > MAX_DEID_FILE_BYTES) throw new MaskReadError(file, `is ${size} bytes; files over ${MAX_DEID_FILE_BYTES} bytes are not de-identified`);
    return await readWhole(handle, size);
  } finally {
    await handle.close();
  }
}

/** Makes the output's folder once (`made`: folders already made) and writes it whole (temp + rename). */
async function writeOutput(file: string, bytes: Uint8Array, made: Set<string>): Promise<void> {
  const folder = path.dirname(file);
  if (!made.has(folder)) {
    await mkdir(folder, { recursive: true });
    made.add(folder);
  }
  await writeWhole(file, bytes);
}

const reasonOf = (e: unknown): string => (e instanceof MaskReadError ? e.reason : e instanceof DeidError || e instanceof NotDicomError ? e.message : ioErrorText(e));

/** Files read ahead and outputs being written at once: the disk works while the next file is de-identified. */
const IN_FLIGHT = 4;

type ReadOutcome = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/**
 * De-identifies the files in their walk order (so pseudonyms and the report come out the same every
 * run), with up to IN_FLIGHT reads ahead of the one being processed and IN_FLIGHT writes behind it.
 */
async function deidentifyInOrder(
  jobs: Array<{ source: string; output: string }>,
  session: DeidSession,
  report: DeidExportReport,
  foldersMade: Set<string>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const reads = new Map<number, Promise<ReadOutcome>>();
  const startRead = (k: number): void => {
    if (k < jobs.length && !reads.has(k)) reads.set(k, readInput(jobs[k].source).then((bytes) => ({ ok: true as const, bytes }), (e: unknown) => ({ ok: false as const, reason: reasonOf(e) })));
  };
  const entries: Array<DeidFileReport | null> = [];
  const writes: Array<Promise<void>> = [];
  for (let k = 0; k < jobs.length; k++) {
    signal?.throwIfAborted();
    for (let ahead = k; ahead <= k + IN_FLIGHT; ahead++) startRead(ahead);
    const { source, output } = jobs[k];
    const read = await reads.get(k)!;
    reads.delete(k);
    if (!read.ok) {
      report.failed.push({ source, reason: `cannot be read: ${read.reason}` });
      continue;
    }
    let result;
    try {
      result = deidentifyPart10(read.bytes, session);
    } catch (e) {
      if (e instanceof NotDicomError) report.skipped.push({ source, reason: e.message });
      else if (e instanceof DeidError) report.failed.push({ source, reason: e.message });
      else throw e;
      continue;
    }
    if (result.sopClassUid === DICOMDIR_CLASS) {
      report.skipped.push({ source, reason: 'a DICOMDIR: its records index the source files and name the patient; make a new one from the output if needed' });
      continue;
    }
    const index = entries.length;
    entries.push({ source, output, transferSyntaxUid: result.transferSyntaxUid, sopClassUid: result.sopClassUid, actions: result.actions, flags: result.flags });
    writes.push(
      writeOutput(output, result.bytes, foldersMade).catch((e: unknown) => {
        entries[index] = null;
        report.failed.push({ source, reason: `cannot write ${output}: ${ioErrorText(e)}` });
      }),
    );
    if (writes.length >= IN_FLIGHT) await writes.shift();
  }
  await Promise.all(writes);
  // Reads started ahead of a cancellation are left to settle on their own.
  for (const entry of entries) if (entry) report.files.push(entry);
}

/** De-identifies every file under `inputs` into `outDir` with the options; one UID mapping for all of them. */
export async function deidentifyFiles(inputs: string[], outDir: string, options: DeidOption[], signal?: AbortSignal): Promise<DeidExportReport> {
  const report: DeidExportReport = { outDir, options, files: [], skipped: [], failed: [] };
  const roots = await outputRoots(inputs, outDir);
  const session = new DeidSession(options);
  const foldersMade = new Set<string>();
  const inputJobs: Array<Array<{ source: string; output: string }>> = [];
  for (let i = 0; i < inputs.length; i++) {
    const input = path.resolve(inputs[i]);
    const walk = await collectFiles([input], signal);
    for (const error of walk.errors) report.failed.push({ source: error.path, reason: error.reason });
    const inputIsFolder = (await stat(input).catch(() => null))?.isDirectory() ?? false;
    inputJobs.push(walk.files.map((source) => ({ source, output: path.join(roots[i], inputIsFolder ? path.relative(input, source) : path.basename(source)) })));
  }
  // A text kept by Clean Descriptors may name anyone of the export (a comment naming another patient):
  // every file's identifying values are gathered first, at the cost of reading the files twice.
  if (cleansTexts(session.options)) {
    for (const { source } of inputJobs.flat()) {
      signal?.throwIfAborted();
      try {
        gatherIdentifying(await readInput(source), session);
      } catch {
        // Unreadable, not DICOM or damaged: the de-identifying pass reports it.
      }
    }
  }
  for (const jobs of inputJobs) await deidentifyInOrder(jobs, session, report, foldersMade, signal);
  return report;
}
