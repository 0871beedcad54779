import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ImportResult, Instance } from '../contract/dicom';

/** Every regular file under `root`, found independently of the indexer's own walk. */
export async function listRegularFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

export const allInstances = (result: ImportResult): Instance[] =>
  result.patients.flatMap((p) => p.studies.flatMap((s) => s.series.flatMap((se) => se.instances)));

/** Paths reported by the result (instances then errors), one entry per report. */
export const reportedPaths = (result: ImportResult): string[] => [
  ...allInstances(result).map((i) => i.path),
  ...result.errors.map((e) => e.path),
];
