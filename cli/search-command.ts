import { realpathSync } from 'node:fs';
import path from 'node:path';
import { importSummarySchema } from '../core/contract/dicom';
import { MAX_SEARCH_RESULTS, DEFAULT_SEARCH_RESULTS, type SearchResults } from '../core/contract/search';
import { findCatalogImage } from '../core/search/catalog-images';
import { UsageError, type CliCommand, type CliIo } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { waitForJob, withDirectApi, type DirectApi } from './direct';
import { contractImage } from './contract-image';
import { isProblem, readOneImage } from './image-input';
import { formatErrors, shown, terminalProgress } from './index-command';
import { chooseModelFolder } from './model-session';

const command = defineCommand({
  name: 'search',
  synopsis: ['vesalius search "<text>" | --like <image> [--k N] [--in <dir>]... [--model DIR|NAME] [--json]'],
  positionals: { synopsis: '"<text>"', max: Infinity, help: [['"<text>"', 'what to look for']] },
  about: `Ranks the catalog's images by similarity to a text ("chest ct", "head mri with hemorrhage") or to an
image, with the assistant model's embeddings (cosine similarity, exact, over every indexed image).
Images not indexed yet (or whose file changed) are embedded first, as the app's background indexing
does, and kept in the data home (search.db) for the next search. Research aid, not for diagnosis.`,
  options: {
    like: {
      kind: 'string',
      value: '<image>',
      help: `an image instead: a catalogued DICOM file (its stored embedding; the image itself is
left out of the results) or any DICOM, PNG or JPEG file (embedded now)`,
    },
    k: { kind: 'int', min: 1, max: MAX_SEARCH_RESULTS, default: DEFAULT_SEARCH_RESULTS, help: `how many results (default ${DEFAULT_SEARCH_RESULTS}, at most ${MAX_SEARCH_RESULTS})` },
    in: { kind: 'strings', value: '<dir>', help: "import this folder into the catalog first (repeatable), as 'vesalius import' does" },
    model: {
      kind: 'string',
      value: 'DIR|NAME',
      help: `a model folder, or the name of a bundled or user model ('vesalius models list');
default: the bundled model. Each model version has its own index.`,
    },
    json: {
      kind: 'boolean',
      help: `print { model, results: [{ filePath, frame, seriesKey, studyKey, sopInstanceUid,
fileKey, score, modality, description }], searched, ms } on stdout`,
    },
  },
  notes: `Each result names its file path (and frame), series key and score.

Exit status: 0 with results (possibly none); 1 when the catalog holds no images, the model cannot
search, an image cannot be read, or indexing fails; 2 for usage errors (an empty text among them).`,
});

interface SearchArgs {
  text: string | null;
  like: string | null;
  k: number;
  ins: string[];
  model: string | undefined;
  json: boolean;
}

/** The table reads the options; a text or --like, not both, is checked here. */
function parseArgs(argv: string[]): SearchArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  if (parsed === 'help') return 'help';
  const { k, model, json } = parsed.values;
  const like = parsed.values.like ?? null;
  const walked = parsed.positionals;
  if (like !== null && walked.length > 0) throw new UsageError('give a text or --like <image>, not both');
  if (like === null && walked.length === 0) throw new UsageError('give the text to search for, or --like <image>');
  if (walked.length > 1) throw new UsageError(`give the search text as one argument (in quotes): got ${walked.length} arguments`);
  const text = like === null ? walked[0] : null;
  if (text !== null && text.trim() === '') throw new UsageError('the search text is empty');
  return { text, like, k, ins: parsed.values.in, model, json };
}

/** Imports the --in folders as `vesalius import` does; false (after saying why) when the import failed. */
async function importFolders(api: DirectApi, io: CliIo, paths: string[]): Promise<boolean> {
  const started = await api.call('dicom.startImport', { paths, how: 'cli' });
  if (!started.ok) {
    io.stderr(`vesalius search: --in: ${started.error.message}\n`);
    return false;
  }
  const progress = terminalProgress(io, 'importing');
  const status = await waitForJob(api, started.value.jobId, progress.onProgress).finally(progress.done);
  if (!status.ok || status.value.state !== 'done') {
    io.stderr(`vesalius search: --in: ${status.ok ? (status.value.message ?? `the import ended ${status.value.state}`) : status.error.message}\n`);
    return false;
  }
  const summary = importSummarySchema.safeParse(status.value.result);
  if (summary.success && summary.data.errors.length > 0) io.stderr(formatErrors(summary.data.errors).join('\n') + '\n');
  return true;
}

/**
 * Brings the index up to date (the same searchIndex job as the app's), saying how far it got; false (after
 * saying why) when there is nothing to search or the model cannot search.
 */
async function ensureIndexed(api: DirectApi, io: CliIo): Promise<boolean> {
  const status = await api.call('search.indexStatus', {});
  if (!status.ok) {
    io.stderr(`vesalius search: ${status.error.message}\n`);
    return false;
  }
  const { model, indexed, failed, total, problem } = status.value;
  if (model === null) {
    io.stderr(`vesalius search: ${problem ?? 'no model can search'}\n`);
    return false;
  }
  if (total === 0) {
    io.stderr(`vesalius search: the catalog in ${api.home} holds no images: import a folder first ('vesalius import <dir>', or --in <dir>)\n`);
    return false;
  }
  if (indexed + failed === total) return true;
  const started = await api.call('search.indexStart', {});
  if (!started.ok) {
    io.stderr(`vesalius search: ${started.error.message}\n`);
    return false;
  }
  const progress = terminalProgress(io, 'embedding');
  const job = await waitForJob(api, started.value.jobId, progress.onProgress).finally(progress.done);
  if (!job.ok || job.value.state !== 'done' || job.value.kind !== 'searchIndex' || !job.value.result) {
    io.stderr(`vesalius search: indexing: ${job.ok ? (job.value.message ?? `it ended ${job.value.state}`) : job.error.message}\n`);
    return false;
  }
  const { failedCount, failed: listed } = job.value.result;
  for (const f of listed) io.stderr(`vesalius search: not indexed: ${shown(f.filePath)} frame ${f.frame}: ${f.reason}\n`);
  if (failedCount > listed.length) io.stderr(`vesalius search: … and ${failedCount - listed.length} more images not indexed\n`);
  return true;
}

/** The catalogued image at this path (as given, or with symbolic links resolved), or undefined. */
function catalogued(api: DirectApi, file: string) {
  const wanted = new Set([path.resolve(file)]);
  try {
    wanted.add(realpathSync(file));
  } catch {
    // A path that does not exist is reported when it is read.
  }
  for (const filePath of wanted) {
    const image = findCatalogImage(api.service.catalog, { filePath });
    if (image) return image;
  }
  return undefined;
}

async function rankLike(api: DirectApi, io: CliIo, file: string, k: number): Promise<SearchResults | null> {
  const known = catalogued(api, file);
  if (known) {
    const found = await api.call('search.similar', { seriesKey: known.seriesKey, filePath: known.filePath, frame: known.frame, k });
    if (found.ok) return found.value;
    io.stderr(`vesalius search: ${shown(file)}: ${found.error.message}\n`);
    return null;
  }
  const input = await readOneImage(file);
  if (isProblem(input)) {
    io.stderr(`vesalius search: ${shown(input.file)}: ${input.reason}\n`);
    return null;
  }
  const found = await api.call('search.image', { image: contractImage(input.image), k });
  if (found.ok) return found.value;
  io.stderr(`vesalius search: ${shown(file)}: ${found.error.message}\n`);
  return null;
}

export function formatResults(results: SearchResults, query: string): string {
  const { model, searched, ms } = results;
  const head = `${results.results.length} result(s) for ${query} (${model.name} ${model.version}, ${searched} image(s) searched, ${ms.toFixed(0)} ms)`;
  const lines = results.results.map((hit, i) => {
    const frame = hit.frame > 1 ? ` frame ${hit.frame}` : '';
    const what = `${hit.modality || '—'}${hit.description ? ` "${hit.description}"` : ''}`;
    return `${String(i + 1).padStart(3)}  ${hit.score.toFixed(4)}  ${shown(hit.filePath)}${frame}  ${what}  series ${hit.seriesKey}`;
  });
  return [head, ...lines].join('\n') + '\n';
}

export const searchCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  const chosen = chooseModelFolder(args.model);
  if (!chosen.ok) {
    io.stderr(`vesalius search: ${chosen.message}\n`);
    return 1;
  }
  return withDirectApi(
    'search',
    io,
    async (api) => {
      if (args.ins.length > 0 && !(await importFolders(api, io, args.ins))) return 1;
      if (!(await ensureIndexed(api, io))) return 1;
      let results: SearchResults | null;
      if (args.like !== null) {
        results = await rankLike(api, io, args.like, args.k);
      } else {
        const found = await api.call('search.text', { text: args.text!, k: args.k });
        if (!found.ok) io.stderr(`vesalius search: ${found.error.message}\n`);
        results = found.ok ? found.value : null;
      }
      if (!results) return 1;
      io.stdout(args.json ? `${JSON.stringify(results, null, 2)}\n` : formatResults(results, args.like !== null ? `images like ${shown(args.like)}` : JSON.stringify(args.text)));
      return 0;
    },
    { modelDir: chosen.folder.dir },
  );
};
