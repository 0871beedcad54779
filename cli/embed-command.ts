import { rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EmbeddingModel } from '../core/contract/search';
import { ioErrorText } from '../core/fs/io-error';
import { indexedFrame } from '../core/search/catalog-images';
import type { CliCommand } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { withDirectApi } from './direct';
import { contractImage } from './contract-image';
import { findImages, isProblem, readImage } from './image-input';
import { shown, terminalProgress } from './index-command';
import { chooseModelFolder } from './model-session';

const command = defineCommand({
  name: 'embed',
  positionals: { synopsis: '<image|dir>...', min: 1, max: Infinity, missing: 'give at least one image or folder to embed' },
  about: `Writes the assistant model's embedding of every image under the paths (DICOM files as
'vesalius index' accepts them, PNG, JPEG; folders recursively) to a JSON Lines file: the vectors
'vesalius search' compares (unit length, cosine similarity = dot product). One embedding per
image: frame 1, or the middle frame of a multi-frame file, as the search index holds them.
Nothing is imported into the catalog. A file the catalog holds ('vesalius index', the app) whose search
embedding is up to date (its size and mtime as the catalog knows them, the model's version) is taken
from search.db instead of being computed again; the summary says how many.`,
  options: {
    out: {
      kind: 'string',
      value: '<file>',
      required: 'the JSON Lines file for the embeddings',
      help: `the JSONL file to write (replaced whole; written beside it, then renamed). Lines:
  {"path", "frame", "model", "version", "dim", "vector": [dim numbers]}
and for an image that could not be read or embedded:
  {"path", "frame", "error": "<reason>"}`,
    },
    model: { kind: 'string', value: 'DIR|NAME', help: "a model folder, or the name of a bundled or user model ('vesalius models list')" },
    json: { kind: 'boolean', help: 'print { out, model, written, reused, failed: [{ path, frame, reason }], skipped } on stdout' },
  },
  notes: `Files inside folders that are not images (reports, SEG, text) are skipped and listed on stderr.

Exit status: 0 when every image was embedded; 1 when one failed, a path is not an image or cannot be
read, no image was found, or the file cannot be written; 2 for usage errors.`,
});

interface EmbedArgs {
  paths: string[];
  out: string;
  model: string | undefined;
  json: boolean;
}

function parseArgs(argv: string[]): EmbedArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  return parsed === 'help' ? 'help' : { ...parsed.values, paths: parsed.positionals };
}

interface Failure {
  path: string;
  frame: number;
  reason: string;
}

export const embedCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  const out = path.resolve(args.out);
  const outStat = await stat(out).catch(() => null);
  if (outStat?.isDirectory()) {
    io.stderr(`vesalius embed: --out ${shown(args.out)} is a folder; give the file to write\n`);
    return 1;
  }
  const chosen = chooseModelFolder(args.model);
  if (!chosen.ok) {
    io.stderr(`vesalius embed: ${chosen.message}\n`);
    return 1;
  }
  const found = await findImages(args.paths, { allFrames: false });
  for (const s of found.skipped) io.stderr(`vesalius embed: skipped ${shown(s.file)}: ${s.reason}\n`);
  const failed: Failure[] = found.failed.map((f) => ({ path: f.file, frame: 1, reason: f.reason }));
  if (found.images.length === 0) {
    for (const f of failed) io.stderr(`vesalius embed: ${shown(f.path)}: ${f.reason}\n`);
    io.stderr(`vesalius embed: no image found under ${args.paths.map(shown).join(', ')}\n`);
    return 1;
  }
  return withDirectApi(
    'embed',
    io,
    async (api) => {
      const lines: string[] = failed.map((f) => JSON.stringify({ path: f.path, frame: f.frame, error: f.reason }));
      let model: EmbeddingModel | null = null;
      let written = 0;
      /** Of `written`, taken from search.db. */
      let reused = 0;
      const progress = terminalProgress(io, 'embedding');
      try {
        for (const [n, ref] of found.images.entries()) {
          const frame = indexedFrame(ref.numberOfFrames);
          const stored = await api.call('search.storedEmbedding', { filePath: path.resolve(ref.file), frame });
          if (stored.ok && stored.value.vector) {
            model = stored.value.model;
            const { name, version, dim } = model;
            lines.push(JSON.stringify({ path: ref.file, frame, model: name, version, dim, vector: Array.from(stored.value.vector) }));
            written++;
            reused++;
            progress.onProgress?.(n + 1, found.images.length);
            continue;
          }
          const input = await readImage({ file: ref.file, frame });
          const embedded = isProblem(input) ? null : await api.call('search.embedImage', { image: contractImage(input.image) });
          const reason = isProblem(input) ? input.reason : embedded && !embedded.ok ? embedded.error.message : null;
          if (reason !== null || !embedded?.ok) {
            failed.push({ path: ref.file, frame, reason: reason ?? 'no embedding' });
            lines.push(JSON.stringify({ path: ref.file, frame, error: reason }));
          } else {
            model = embedded.value.model;
            const { name, version, dim } = model;
            lines.push(JSON.stringify({ path: ref.file, frame, model: name, version, dim, vector: Array.from(embedded.value.vector) }));
            written++;
          }
          progress.onProgress?.(n + 1, found.images.length);
        }
      } finally {
        progress.done();
      }
      const partial = `${out}.partial-${process.pid}`;
      try {
        await writeFile(partial, lines.length ? `${lines.join('\n')}\n` : '');
        await rename(partial, out);
      } catch (e) {
        await rm(partial, { force: true });
        io.stderr(`vesalius embed: cannot write ${shown(args.out)}: ${ioErrorText(e)}\n`);
        return 1;
      }
      if (args.json) {
        io.stdout(`${JSON.stringify({ out, model, written, reused, failed, skipped: found.skipped.map((s) => ({ path: s.file, reason: s.reason })) }, null, 2)}\n`);
      } else {
        const about = model ? ` with ${model.name} ${model.version} (${model.dim} values each)` : '';
        const from = reused > 0 ? ` (${reused} reused from the search index, where the catalog's size/mtime and the model version match; ${written - reused} computed)` : '';
        io.stdout(`Wrote ${written} embedding(s)${about}${from} to ${shown(out)}; ${failed.length} image(s) failed, ${found.skipped.length} file(s) skipped.\n`);
        for (const f of failed) io.stderr(`vesalius embed: ${shown(f.path)}${f.frame > 1 ? ` frame ${f.frame}` : ''}: ${f.reason}\n`);
      }
      return failed.length > 0 ? 1 : 0;
    },
    { modelDir: chosen.folder.dir },
  );
};
