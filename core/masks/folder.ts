import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Extensions a mask file may carry; files without an extension are taken too (DICOM often has none). */
const maskExtensions = ['.nii.gz', '.nii', '.png', '.dcm'];

export interface MaskPair {
  /** Relative path without extension, shared by both sides. */
  key: string;
  truthPath: string;
  predPath: string;
}

export interface PairingProblem {
  key: string;
  truthPaths: string[];
  predPaths: string[];
  message: string;
}

export interface FolderPairing {
  pairs: MaskPair[];
  /** Mask files (relative paths) with no partner on the other side. */
  onlyInTruth: string[];
  onlyInPred: string[];
  /** Stems that are ambiguous (two files with the same stem on one side), never guessed. */
  problems: PairingProblem[];
  /** Files skipped because their extension is not a mask format (relative paths, `truth/` or `pred/` prefixed). */
  ignored: string[];
}

/** The pairing key of a relative path: the path with a mask extension removed, or null when it is not a mask file. */
export function maskKey(relativePath: string): string | null {
  const lower = relativePath.toLowerCase();
  for (const ext of maskExtensions) if (lower.endsWith(ext)) return relativePath.slice(0, -ext.length);
  const base = path.basename(relativePath);
  if (base.startsWith('.')) return null; // hidden files (.DS_Store) are never masks
  return path.extname(base) === '' ? relativePath : null;
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    // Everything but folders: a FIFO, socket, device or link named like a mask is paired and then read
    // (or refused with its reason) by readMaskFile, never dropped without a word.
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

function groupByKey(relativePaths: string[], ignored: string[], side: string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const rel of relativePaths) {
    const key = maskKey(rel);
    if (key === null) {
      ignored.push(`${side}/${rel}`);
      continue;
    }
    groups.set(key, [...(groups.get(key) ?? []), rel]);
  }
  return groups;
}

/**
 * Pairs two folders of masks by relative path and stem, recursively: `a/case1.png` pairs with
 * `a/case1.nii.gz`. Files on one side only, ambiguous stems and non-mask files are all reported.
 */
export async function pairMaskFolders(truthDir: string, predDir: string): Promise<FolderPairing> {
  const [truthFiles, predFiles] = await Promise.all([listFiles(truthDir), listFiles(predDir)]);
  const ignored: string[] = [];
  const truthGroups = groupByKey(truthFiles, ignored, 'truth');
  const predGroups = groupByKey(predFiles, ignored, 'pred');
  const result: FolderPairing = { pairs: [], onlyInTruth: [], onlyInPred: [], problems: [], ignored };
  const keys = [...new Set([...truthGroups.keys(), ...predGroups.keys()])].sort();
  for (const key of keys) {
    const truth = truthGroups.get(key) ?? [];
    const pred = predGroups.get(key) ?? [];
    if (truth.length > 1 || pred.length > 1) {
      const sides = [truth.length > 1 ? `truth has ${truth.join(', ')}` : '', pred.length > 1 ? `pred has ${pred.join(', ')}` : ''].filter(Boolean);
      result.problems.push({
        key,
        truthPaths: truth.map((p) => path.join(truthDir, p)),
        predPaths: pred.map((p) => path.join(predDir, p)),
        message: `ambiguous case '${key}': ${sides.join('; ')} (one file per case and side)`,
      });
    } else if (truth.length === 0) {
      result.onlyInPred.push(pred[0]);
    } else if (pred.length === 0) {
      result.onlyInTruth.push(truth[0]);
    } else {
      result.pairs.push({ key, truthPath: path.join(truthDir, truth[0]), predPath: path.join(predDir, pred[0]) });
    }
  }
  return result;
}
