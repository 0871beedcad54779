import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveDataDir } from '../core/config/data-dir';
import { ioErrorText } from '../core/fs/io-error';
import { decodeGrayPng } from '../core/masks/png';
import { lungLabelMap, LEFT_LUNG, RIGHT_LUNG } from '../core/metrics/lung-labels';
import { normaliseTrainingAnswer } from '../core/metrics/training-answer';
import { bleu, ciderD, rougeL, type CaptionItem } from '../core/metrics/text';
import { captionsByImage } from '../core/datasets/vqa-rad-captions';
import { declaredPrompt } from '../core/model/segment-prompt';
import type { ModelFolder } from '../core/model/config';
import { errorMessage } from '../core/model/errors';
import type { InferenceClient } from '../core/inference/worker-client';
import type { WorkerImage } from '../workers/inference/protocol';
import type { CliCommand, CliIo } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { DatasetError, EVAL_DATASETS, EVAL_SPLITS, lungSlices, vqaTestRows, type EvalDataset, type EvalSplit, type LungSlice, type VqaRow } from './eval-datasets';
import { isProblem, readImage } from './image-input';
import { shown, terminalProgress } from './index-command';
import { chooseModelFolder, startModel } from './model-session';

const command = defineCommand({
  name: 'eval',
  about: `Scores a model folder on a research dataset with the app's worker, preprocessing and metrics: the same
figures as 'npm run model:eval' (models/training/evaluate.py) computes with PyTorch.`,
  options: {
    dataset: {
      kind: 'enum',
      values: EVAL_DATASETS,
      required: true,
      help: 'the dataset, and what is scored on it:',
      valueHelp: {
        'lung-ct': `per-slice IoU of "lung" against the expert mask (mean, median, worst slice, pooled),
"left lung" / "right lung" IoU and their mIoU when the model declares those prompts
(truth split as models/training/data.py lung_label_map does), the rate of empty "lung"
masks and, for models with a presence head, the rate judged present per prompt.
Reads <data>/lung-ct/<split>/images/*.png (16-bit, HU + 1024) and masks/*.png.`,
        'vqa-rad': `closed / open / overall exact match of the test questions (answers normalised as
captions.py normalise_answer; a refused question counts as wrong) and the refusals.
Reads <data>/vqa-rad/testset.json and images/. Only --split test: evaluate.py's val
questions are a Python random draw. Also the captions of the questions' images:
BLEU-4 / ROUGE-L / CIDEr-D against the reference captions derived from all QA pairs
of each image (captions.py captions_by_image, core/datasets/vqa-rad-captions.ts).`,
      },
    },
    split: { kind: 'enum', values: EVAL_SPLITS, required: true, help: 'which split of the dataset' },
    dataDir: { kind: 'string', value: 'DIR', help: 'the data directory; default $VESALIUS_DATA_DIR, else ../shared/data beside the project' },
    model: { kind: 'string', value: 'DIR|NAME', help: 'a model folder, or the name of a bundled or user model; default: the bundled model' },
    limit: { kind: 'int', min: 1, help: 'only the first N slices / questions (evaluate.py --limit takes the same ones)' },
    json: { kind: 'boolean', help: "print the figures as JSON (evaluate.py's field names)" },
  },
  notes: `Exit status: 0 when every slice / question was scored; 1 when the data, the model or an image failed
(named, with the reason); 2 for usage errors and a model without the task.`,
});

interface EvalArgs {
  dataset: EvalDataset;
  split: EvalSplit;
  dataDir: string | undefined;
  model: string | undefined;
  limit: number | undefined;
  json: boolean;
}

function parseArgs(argv: string[]): EvalArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  return parsed === 'help' ? 'help' : parsed.values;
}

/** |a ∩ b| / |a ∪ b|; null when both are empty (models/training/metrics.py iou, core/metrics perSliceIou). */
function iou(pred: Uint8Array, truth: (i: number) => boolean): { inter: number; union: number } {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] !== 0;
    const t = truth(i);
    if (p && t) inter++;
    if (p || t) union++;
  }
  return { inter, union };
}
/** evaluate.py's iou0: a slice whose prediction and truth are both empty counts as 0. */
const ratio0 = ({ inter, union }: { inter: number; union: number }): number => (union === 0 ? 0 : inter / union);
const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

type Progress = ReturnType<typeof terminalProgress>;
interface VqaQuestions {
  rows: VqaRow[];
  /** Every QA row of the set (train and all test), for the reference captions. */
  allRows: VqaRow[];
  imagesDir: string;
}

async function evalLung(client: InferenceClient, folder: ModelFolder, slices: LungSlice[], progress: Progress) {
  const sides = declaredPrompt(folder.config.segment_prompts, 'left lung').ok && declaredPrompt(folder.config.segment_prompts, 'right lung').ok;
  const ious: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const pooled = { inter: 0, union: 0 };
  const present: Record<string, boolean[]> = { lung: [] };
  if (sides) {
    present['left lung'] = [];
    present['right lung'] = [];
  }
  let empty = 0;
  let hasPresence = false;
  for (const [k, slice] of slices.entries()) {
    progress.onProgress?.(k, slices.length);
    const input = await readImage({ file: slice.image, frame: 1 });
    if (isProblem(input)) throw new DatasetError(`${slice.image}: ${input.reason}`);
    let maskPng;
    try {
      maskPng = decodeGrayPng(new Uint8Array(await readFile(slice.mask)), slice.mask, 'a lung-ct mask');
    } catch (e) {
      throw new DatasetError(`${slice.mask}: ${e instanceof Error && 'code' in e ? ioErrorText(e) : errorMessage(e)}`);
    }
    const { width, height } = input.image;
    if (maskPng.width !== width || maskPng.height !== height) throw new DatasetError(`${slice.mask} is ${maskPng.width}×${maskPng.height}, its slice ${width}×${height}`);
    const segment = async (prompt: string) => {
      const r = await client.segment(input.image, prompt);
      if (!r.ok) throw new DatasetError(`${slice.image}: "${prompt}": ${r.error.message}`);
      if (r.value.presenceProbability !== null) hasPresence = true;
      present[prompt].push(r.value.present);
      return r.value.mask;
    };
    const mask8 = Uint8Array.from(maskPng.values, (v) => Math.min(255, v));
    const lungMask = await segment('lung');
    const truthLung = (i: number) => mask8[i] > 127;
    const s = iou(lungMask, truthLung);
    pooled.inter += s.inter;
    pooled.union += s.union;
    ious.push(ratio0(s));
    if (!lungMask.some((v) => v !== 0)) empty++;
    if (sides) {
      const labels = lungLabelMap(mask8, width, height);
      left.push(ratio0(iou(await segment('left lung'), (i) => labels[i] === LEFT_LUNG)));
      right.push(ratio0(iou(await segment('right lung'), (i) => labels[i] === RIGHT_LUNG)));
    }
  }
  progress.done();
  const worst = ious.indexOf(Math.min(...ious));
  return {
    iou: mean(ious),
    iou_min: ious[worst],
    iou_median: median(ious),
    worst_slice: { name: slices[worst].name, iou: ious[worst] },
    iou_pooled: pooled.union === 0 ? null : pooled.inter / pooled.union,
    iou_per_slice: Object.fromEntries(slices.map((s, k) => [s.name, ious[k]])),
    ...(sides ? { miou: mean(left.map((l, k) => (l + right[k]) / 2)), iou_left_lung: mean(left), iou_right_lung: mean(right) } : {}),
    empty_mask_rate: empty / slices.length,
    ...(hasPresence ? { judged_present_rate: Object.fromEntries(Object.entries(present).map(([p, v]) => [p, v.filter(Boolean).length / v.length])) } : {}),
    n: slices.length,
  };
}

async function evalVqa(client: InferenceClient, { rows, allRows, imagesDir }: VqaQuestions, progress: Progress) {
  // every image decoded once (evaluate.py encodes each image once)
  const decoded = new Map<string, WorkerImage>();
  const imageOf = async (name: string): Promise<WorkerImage> => {
    const known = decoded.get(name);
    if (known) return known;
    const file = path.join(imagesDir, name);
    const input = await readImage({ file, frame: 1 });
    if (isProblem(input)) throw new DatasetError(`${file}: ${input.reason}`);
    decoded.set(name, input.image);
    return input.image;
  };
  const hits: Record<'CLOSED' | 'OPEN' | 'ALL', boolean[]> = { CLOSED: [], OPEN: [], ALL: [] };
  let refused = 0;
  const refusedWhy: Record<string, number> = {};
  const perQuestion: { qid: number | string; image: string; answer: string; refused: boolean; correct: boolean }[] = [];
  for (const [k, row] of rows.entries()) {
    progress.onProgress?.(k, rows.length);
    const r = await client.answer(await imageOf(row.image_name), row.question);
    let answer = '';
    if (r.ok) answer = r.value.text;
    else if (r.error.code === 'bad_input') {
      // a refused question counts as wrong (evaluate.py answer_questions: answer "")
      refused++;
      const why = r.error.message.replace(/^[^:]*: /, '');
      refusedWhy[why] = (refusedWhy[why] ?? 0) + 1;
    } else throw new DatasetError(`question ${row.qid} (${row.image_name}): ${r.error.message}`);
    const ok = normaliseTrainingAnswer(answer) === normaliseTrainingAnswer(String(row.answer));
    const type = row.answer_type.trim().toUpperCase();
    if (type === 'CLOSED' || type === 'OPEN') hits[type].push(ok);
    hits.ALL.push(ok);
    perQuestion.push({ qid: row.qid, image: row.image_name, answer, refused: !r.ok, correct: ok });
  }
  // captions of the questions' images (sorted names) vs the references derived from all QA pairs (evaluate.py)
  const references = captionsByImage(allRows);
  const names = [...new Set(rows.map((r) => r.image_name))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const items: CaptionItem[] = [];
  for (const [k, name] of names.entries()) {
    progress.onProgress?.(rows.length + k, rows.length + names.length);
    const r = await client.caption(await imageOf(name));
    if (!r.ok) throw new DatasetError(`caption of ${name}: ${r.error.message}`);
    items.push({ candidate: r.value.text, references: [references.get(name)!] });
  }
  progress.done();
  const rate = (v: boolean[]): number | null => (v.length ? v.filter(Boolean).length / v.length : null);
  return {
    model: { closed: rate(hits.CLOSED), open: rate(hits.OPEN), overall: rate(hits.ALL), n_closed: hits.CLOSED.length, n_open: hits.OPEN.length },
    refusals_test: { n: rows.length, refused, by_reason: refusedWhy },
    per_question: perQuestion,
    captions_test_images: {
      model: { bleu4: bleu(items, 4).bleu[3], rouge_l: rougeL(items).score, cider_d: ciderD(items).score },
      n_images: items.length,
      distinct_captions: new Set(items.map((i) => i.candidate)).size,
      // evaluate.py writes the first 8 as "examples"; every image here, so a user can read them all
      per_image: items.map((item, k) => ({ image: names[k], reference: item.references[0], generated: item.candidate })),
    },
  };
}

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : v.toFixed(4));

function printTable(io: CliIo, dataset: EvalDataset, figures: Record<string, unknown>): void {
  const lines: string[] = [];
  if (dataset === 'lung-ct') {
    const f = figures as Awaited<ReturnType<typeof evalLung>>;
    lines.push(`lung IoU        mean ${pct(f.iou)}  median ${pct(f.iou_median)}  pooled ${pct(f.iou_pooled)}  (n ${f.n})`);
    lines.push(`worst slice     ${f.worst_slice.name}  IoU ${pct(f.worst_slice.iou)}`);
    if (f.miou !== undefined) lines.push(`left/right      mIoU ${pct(f.miou)}  (left ${pct(f.iou_left_lung)}, right ${pct(f.iou_right_lung)})`);
    lines.push(`empty "lung"    ${pct(f.empty_mask_rate)} of slices`);
    if (f.judged_present_rate) lines.push(`judged present  ${Object.entries(f.judged_present_rate).map(([p, v]) => `${p} ${pct(v)}`).join(', ')}`);
  } else {
    const f = figures as Awaited<ReturnType<typeof evalVqa>>;
    lines.push(`closed accuracy ${pct(f.model.closed)}  (n ${f.model.n_closed})`);
    lines.push(`open accuracy   ${pct(f.model.open)}  (n ${f.model.n_open})`);
    lines.push(`overall         ${pct(f.model.overall)}`);
    lines.push(`refused         ${f.refusals_test.refused} of ${f.refusals_test.n}`);
    const c = f.captions_test_images;
    lines.push(`captions        BLEU-4 ${pct(c.model.bleu4)}  ROUGE-L ${pct(c.model.rouge_l)}  CIDEr-D ${pct(c.model.cider_d)}  (${c.n_images} images, ${c.distinct_captions} distinct captions)`);
  }
  io.stdout(`${lines.join('\n')}\n`);
}

export const evalCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  const dataDir = args.dataDir ? path.resolve(args.dataDir) : resolveDataDir();
  if (!dataDir) {
    io.stderr('vesalius eval: no data directory: give --data-dir, or set VESALIUS_DATA_DIR\n');
    return 1;
  }
  const chosen = chooseModelFolder(args.model);
  if (!chosen.ok) {
    io.stderr(`vesalius eval: ${chosen.message}\n`);
    return 1;
  }
  const { folder } = chosen;
  // the task and the data are checked before the worker starts
  if (args.dataset === 'lung-ct') {
    const prompts = folder.config.segment_prompts;
    const lung = declaredPrompt(prompts, 'lung');
    if (!lung.ok) {
      io.stderr(`vesalius eval: ${folder.name} cannot be scored on lung-ct: ${prompts.length === 0 ? 'it declares no segmentation prompt (no mask task)' : lung.message}\n`);
      return 2;
    }
  }
  let work: { dataset: 'lung-ct'; slices: LungSlice[] } | { dataset: 'vqa-rad'; questions: VqaQuestions };
  try {
    if (args.dataset === 'lung-ct') work = { dataset: 'lung-ct', slices: (await lungSlices(dataDir, args.split)).slice(0, args.limit) };
    else {
      const { rows, trainRows, imagesDir } = await vqaTestRows(dataDir, args.split);
      work = { dataset: 'vqa-rad', questions: { rows: rows.slice(0, args.limit), allRows: [...trainRows, ...rows], imagesDir } };
    }
  } catch (e) {
    if (!(e instanceof DatasetError)) throw e;
    io.stderr(`vesalius eval: ${e.message}\n`);
    return 1;
  }
  const client = startModel(folder);
  try {
    const loaded = await client.load();
    if (!loaded.ok) {
      io.stderr(`vesalius eval: ${loaded.error.message}\n`);
      return 1;
    }
    const progress = terminalProgress(io, args.dataset === 'lung-ct' ? 'segmenting' : 'answering');
    const figures = work.dataset === 'lung-ct' ? await evalLung(client, folder, work.slices, progress) : await evalVqa(client, work.questions, progress);
    if (args.json) {
      io.stdout(`${JSON.stringify({ model: folder.name, version: folder.config.version, dataset: args.dataset, split: args.split, data_dir: dataDir, limit: args.limit ?? null, figures }, null, 2)}\n`);
    } else {
      io.stdout(`${folder.name} (${folder.config.version}) on ${args.dataset} ${args.split} (${shown(dataDir)})\n`);
      printTable(io, args.dataset, figures);
    }
    return 0;
  } catch (e) {
    if (e instanceof DatasetError) {
      io.stderr(`vesalius eval: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await client.dispose();
  }
};
