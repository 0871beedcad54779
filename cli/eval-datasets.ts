// What `vesalius eval` reads of a data directory, in the layouts models/training/evaluate.py reads:
// <data>/lung-ct/<split>/{images,masks}/*.png and <data>/vqa-rad/{testset.json,images/}. Everything
// missing is named before any model work.
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ioErrorText } from '../core/fs/io-error';

export const EVAL_DATASETS = ['lung-ct', 'vqa-rad'] as const;
export type EvalDataset = (typeof EVAL_DATASETS)[number];
export const EVAL_SPLITS = ['val', 'test'] as const;
export type EvalSplit = (typeof EVAL_SPLITS)[number];

export class DatasetError extends Error {}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

export interface LungSlice {
  name: string;
  image: string;
  mask: string;
}

/** The slices of lung-ct/<split> in evaluate.py's order (sorted file names), each with its mask. */
export async function lungSlices(dataDir: string, split: EvalSplit): Promise<LungSlice[]> {
  const root = path.join(dataDir, 'lung-ct');
  if (!isDir(root)) throw new DatasetError(`${dataDir} has no lung-ct folder (expected lung-ct/${split}/images and lung-ct/${split}/masks)`);
  const splitDir = path.join(root, split);
  if (!isDir(splitDir)) {
    const present = (await readdir(root)).filter((n) => isDir(path.join(root, n))).sort();
    throw new DatasetError(`${root} has no ${split} split (it has: ${present.join(', ') || 'no folders'})`);
  }
  const images = path.join(splitDir, 'images');
  const masks = path.join(splitDir, 'masks');
  for (const dir of [images, masks]) if (!isDir(dir)) throw new DatasetError(`${splitDir} has no ${path.basename(dir)} folder`);
  // evaluate.py: sorted(os.listdir(images)); code-point order, as Python sorts str
  const names = (await readdir(images)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) throw new DatasetError(`${images} holds no slices`);
  const missing = names.filter((n) => !existsSync(path.join(masks, n)));
  if (missing.length) throw new DatasetError(`${masks} lacks the mask of ${missing.length} slice(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  return names.map((name) => ({ name, image: path.join(images, name), mask: path.join(masks, name) }));
}

const vqaRowSchema = z.object({
  qid: z.union([z.number(), z.string()]),
  image_name: z.string().min(1),
  question: z.string(),
  answer: z.union([z.string(), z.number()]),
  answer_type: z.string(),
  image_organ: z.string(),
  question_type: z.string(),
});
export type VqaRow = z.infer<typeof vqaRowSchema>;

async function readRows(file: string): Promise<VqaRow[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DatasetError(`cannot read ${file}: ${ioErrorText(e)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DatasetError(`${file} is not JSON: ${(e as Error).message}`);
  }
  const rows = z.array(vqaRowSchema).safeParse(parsed);
  if (!rows.success) {
    const issue = rows.error.issues[0];
    throw new DatasetError(`${file}: record ${String(issue?.path[0] ?? '?')}: ${issue?.path.slice(1).join('.') || 'value'} ${issue?.message ?? 'invalid'}`);
  }
  return rows.data;
}

/**
 * VQA-RAD test questions (testset.json, in file order) with their image files, and the train questions
 * (trainset.json: the reference captions are derived from all QA pairs of an image, train and test).
 */
export async function vqaTestRows(dataDir: string, split: EvalSplit): Promise<{ rows: VqaRow[]; trainRows: VqaRow[]; imagesDir: string }> {
  const root = path.join(dataDir, 'vqa-rad');
  if (!isDir(root)) throw new DatasetError(`${dataDir} has no vqa-rad folder (expected vqa-rad/testset.json and vqa-rad/images)`);
  if (split === 'val') {
    // evaluate.py's val questions are 10 % of trainset.json drawn by Python's random.Random(20261127).sample
    // (models/training/data.py); that draw is not reproduced here, so only the standard test split is offered.
    throw new DatasetError("vqa-rad has no val split here: evaluate.py's val questions are a Python random draw from trainset.json; use --split test");
  }
  const rows = { data: await readRows(path.join(root, 'testset.json')) };
  const trainRows = await readRows(path.join(root, 'trainset.json'));
  const imagesDir = path.join(root, 'images');
  if (!isDir(imagesDir)) throw new DatasetError(`${root} has no images folder`);
  const missing = [...new Set(rows.data.map((r) => r.image_name))].filter((n) => !existsSync(path.join(imagesDir, n)));
  if (missing.length) throw new DatasetError(`${imagesDir} lacks ${missing.length} image(s) testset.json names: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  return { rows: rows.data, trainRows, imagesDir };
}
