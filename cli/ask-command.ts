import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../core/fs/size-text';
import { ioErrorText } from '../core/fs/io-error';
import type { ModelFolder } from '../core/model/config';
import type { InferenceClient } from '../core/inference/worker-client';
import { UsageError, type CliCommand, type CliIo } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { isProblem, readOneImage, type FileProblem, type InputImage } from './image-input';
import { shown, terminalProgress } from './index-command';
import { chooseModelFolder, startModel } from './model-session';

const command = defineCommand({
  name: 'ask',
  synopsis: ['vesalius ask <image> "<question>" [--model DIR|NAME] [--json]', 'vesalius ask --batch <in.jsonl> --out <out.jsonl> [--model DIR|NAME]'],
  positionals: {
    synopsis: '<image> "<question>"',
    max: Infinity,
    help: [['<image>', 'a DICOM file (frame 1), a PNG (16-bit grey = CT values HU + 1024) or a JPEG']],
  },
  about: `Answers a question about one image with the local assistant model (the app's model, worker and
preprocessing). Research and annotation aid, not for diagnosis.`,
  options: {
    model: { kind: 'string', value: 'DIR|NAME', help: 'a model folder, or the name of a bundled or user model; default: the bundled model' },
    json: { kind: 'boolean', help: 'print { file, frame, question, answer, probability, uncertain, model, version, ms, input }' },
    batch: {
      kind: 'string',
      value: 'FILE',
      help: `one question per line, JSON: {"id": …, "image": "<path>", "question": "…"}; image
paths are relative to the batch file's folder. Every image is decoded once per run.`,
    },
    out: {
      kind: 'string',
      value: 'FILE',
      help: `(with --batch) one line per input line, in order: {"id", "answer", "probability"},
or {"id", "answer": null, "probability": null, "error": "line N: …"} for a line that
is not JSON, lacks a field, names an unreadable image, or whose question the model
refuses; the run goes on. Blank lines are ignored.`,
    },
  },
  notes: `probability: the model's probability of the whole answer, the product of each greedy token's
probability including the end token. uncertain: below the model's calibrated answer_uncertain_below
(null for a model without one).
Exit status: 0 when every question was answered; 1 when the image, the model or (with --batch) any
line failed, each named with its reason; 2 for usage errors.`,
});

type AskArgs =
  | { mode: 'one'; image: string; question: string; model: string | undefined; json: boolean }
  | { mode: 'batch'; batch: string; out: string; model: string | undefined };

/** The table reads the options; which of the two forms they make is checked here. */
function parseArgs(argv: string[]): AskArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  if (parsed === 'help') return 'help';
  const { model, json, batch, out } = parsed.values;
  const walked = parsed.positionals;
  if (batch !== undefined) {
    if (walked.length > 0) throw new UsageError('--batch takes its images and questions from the file; give no image or question');
    if (!out) throw new UsageError('--batch needs --out <out.jsonl>');
    if (json) throw new UsageError('--batch writes JSON lines to --out; --json is for one question');
    return { mode: 'batch', batch, out, model };
  }
  if (out !== undefined) throw new UsageError('--out goes with --batch');
  if (walked.length !== 2) throw new UsageError(walked.length < 2 ? 'give an image and a question' : 'give one image and one question (quote the question)');
  return { mode: 'one', image: walked[0], question: walked[1], model, json };
}

/** A question with no letter or digit has no word the model can read: refused before any work. */
const hasWords = (question: string): boolean => /[\p{L}\p{N}]/u.test(question);

async function askOne(args: Extract<AskArgs, { mode: 'one' }>, folder: ModelFolder, io: CliIo): Promise<number> {
  if (!hasWords(args.question)) {
    io.stderr('vesalius ask: the question is empty: it has no word to read\n');
    return 1;
  }
  const input = await readOneImage(args.image);
  if (isProblem(input)) {
    io.stderr(`vesalius ask: ${shown(input.file)}: ${input.reason}\n`);
    return 1;
  }
  const client = startModel(folder);
  try {
    const started = performance.now();
    const result = await client.answer(input.image, args.question);
    if (!result.ok) {
      io.stderr(`vesalius ask: ${result.error.message}\n`);
      return 1;
    }
    const { probability } = result.value;
    const uncertain = result.value.uncertain ?? null;
    if (args.json) {
      const report = {
        file: input.file,
        frame: input.frame,
        question: args.question,
        answer: result.value.text,
        probability,
        uncertain,
        model: result.value.model,
        version: folder.config.version,
        ms: Math.round(performance.now() - started),
        input: input.how,
      };
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const extra = ` (probability ${probability.toFixed(2)}${uncertain ? ', uncertain' : ''})`;
      io.stdout(`${result.value.text}${extra}\n`);
    }
    return 0;
  } finally {
    await client.dispose();
  }
}

/** Largest batch file read (it is read whole): far more lines than any evaluation set. */
const MAX_BATCH_BYTES = 64 * 2 ** 20;
/** Decoded images kept for later lines that name the same file (VQA sets ask several questions per image). */
const IMAGE_CACHE_SIZE = 32;

type BatchLine = { id: unknown; image: string; question: string };

/** One line of the batch: its fields, or why it cannot be asked. */
function parseLine(text: string): BatchLine | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return `not JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'not a JSON object {"id", "image", "question"}';
  const record = json as Record<string, unknown>;
  const missing = ['id', 'image', 'question'].filter((k) => record[k] === undefined || record[k] === null);
  if (missing.length) return `missing field${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`;
  if (typeof record.id !== 'string' && typeof record.id !== 'number') return '"id" must be a string or a number';
  if (typeof record.image !== 'string' || record.image === '') return '"image" must be a file path';
  if (typeof record.question !== 'string') return '"question" must be a string';
  if (!hasWords(record.question)) return 'the question is empty: it has no word to read';
  return { id: record.id, image: record.image, question: record.question };
}

async function askBatch(args: Extract<AskArgs, { mode: 'batch' }>, folder: ModelFolder, io: CliIo): Promise<number> {
  let text: string;
  try {
    const size = (await stat(args.batch)).size;
    if (size > MAX_BATCH_BYTES) {
      io.stderr(`vesalius ask: ${shown(args.batch)}: ${formatBytes(size)} is over the ${formatBytes(MAX_BATCH_BYTES)} limit for a batch file\n`);
      return 1;
    }
    text = await readFile(args.batch, 'utf8');
  } catch (e) {
    io.stderr(`vesalius ask: cannot read ${shown(args.batch)}: ${ioErrorText(e)}\n`);
    return 2;
  }
  if (path.resolve(args.out) === path.resolve(args.batch)) {
    io.stderr('vesalius ask: --out is the batch file itself; give another file\n');
    return 2;
  }
  let out;
  try {
    out = await open(args.out, 'w');
  } catch (e) {
    io.stderr(`vesalius ask: cannot write ${shown(args.out)}: ${ioErrorText(e)}\n`);
    return 1;
  }
  const client = startModel(folder);
  try {
    const loaded = await client.load();
    if (!loaded.ok) {
      io.stderr(`vesalius ask: ${loaded.error.message}\n`);
      return 1;
    }
    return await answerLines(text, path.dirname(path.resolve(args.batch)), client, out, io, shown(args.batch));
  } finally {
    await client.dispose();
    await out.close();
  }
}

async function answerLines(text: string, baseDir: string, client: InferenceClient, out: { write(line: string): Promise<unknown> }, io: CliIo, batchName: string): Promise<number> {
  const images = new Map<string, Promise<InputImage | FileProblem>>();
  const imageOf = (file: string): Promise<InputImage | FileProblem> => {
    const cached = images.get(file);
    if (cached) return cached;
    const reading = readOneImage(file);
    images.set(file, reading);
    while (images.size > IMAGE_CACHE_SIZE) images.delete(images.keys().next().value as string);
    return reading;
  };
  const failedLines: number[] = [];
  let answered = 0;
  const lines = text.split(/\r?\n/);
  const progress = terminalProgress(io, 'asking');
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    progress.onProgress?.(i, lines.length);
    if (lines[i].trim() === '') continue;
    const record = async (id: unknown, fields: { answer: string; probability: number } | { error: string }) => {
      if ('error' in fields) failedLines.push(lineNumber);
      else answered++;
      const line = 'error' in fields ? { id: id ?? null, answer: null, probability: null, error: `line ${lineNumber}: ${fields.error}` } : { id, ...fields };
      await out.write(`${JSON.stringify(line)}\n`);
    };
    const parsed = parseLine(lines[i]);
    if (typeof parsed === 'string') {
      await record(idOf(lines[i]), { error: parsed });
      continue;
    }
    const file = path.resolve(baseDir, parsed.image);
    const input = await imageOf(file);
    if (isProblem(input)) {
      await record(parsed.id, { error: `${parsed.image}: ${input.reason}` });
      continue;
    }
    const result = await client.answer(input.image, parsed.question);
    if (!result.ok) await record(parsed.id, { error: result.error.message });
    else await record(parsed.id, { answer: result.value.text, probability: result.value.probability });
  }
  progress.done();
  const failedText = failedLines.length ? `; ${failedLines.length} failed (line${failedLines.length > 1 ? 's' : ''} ${failedLines.slice(0, 20).join(', ')}${failedLines.length > 20 ? ', …' : ''})` : '';
  io.stderr(`vesalius ask: ${batchName}: ${answered} answered${failedText}\n`);
  return failedLines.length > 0 ? 1 : 0;
}

/** The id of a line that is JSON but otherwise unusable, so its error line can still be matched; null when there is none. */
function idOf(text: string): unknown {
  try {
    const json = JSON.parse(text) as unknown;
    const id = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).id : undefined;
    return typeof id === 'string' || typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}

export const askCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  const chosen = chooseModelFolder(args.model);
  if (!chosen.ok) {
    io.stderr(`vesalius ask: ${chosen.message}\n`);
    return 1;
  }
  return args.mode === 'one' ? askOne(args, chosen.folder, io) : askBatch(args, chosen.folder, io);
};
