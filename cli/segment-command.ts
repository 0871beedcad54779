import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ioErrorText } from '../core/fs/io-error';
import { declaredPrompt } from '../core/model/segment-prompt';
import { encodePng } from '../core/render/png-output';
import type { CliCommand } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { findImages, isProblem, readImage, type FileProblem, type ImageRef } from './image-input';
import { shown, terminalProgress } from './index-command';
import { chooseModelFolder, startModel } from './model-session';

const command = defineCommand({
  name: 'segment',
  positionals: {
    synopsis: '<image|dir>...',
    min: 1,
    max: Infinity,
    missing: 'give the images or folders to segment',
    help: [
      [
        '<image|dir>',
        `DICOM files (CT as HU from the rescale), PNG (16-bit grey = CT values HU + 1024)
and JPEG files, and folders of them (searched recursively; files in a folder that
are not images are listed as skipped)`,
      ],
    ],
  },
  about: `Segments images with the local assistant model (the app's model, worker and preprocessing) and writes
one 8-bit grey PNG mask per image into --out: 255 inside, 0 outside, at the image's own size.
Research and annotation aid, not for diagnosis.`,
  options: {
    prompt: {
      kind: 'string',
      value: '<text>',
      required: 'what to segment, e.g. lung',
      help: `what to segment: one of the model's prompts ('vesalius models list'); anything
else is refused before any work, naming the supported ones`,
    },
    out: {
      kind: 'string',
      value: '<dir>',
      required: 'the folder for the masks',
      help: `where the masks go: <name>.png for <name>.dcm / .png / .jpg / no extension, and
<name>-f0003.png for frame 3 of a multi-frame DICOM file. Two inputs that would
write the same file (same name in different folders) are refused before any work,
naming both; so is a mask that would overwrite an input`,
    },
    model: { kind: 'string', value: 'DIR|NAME', help: 'a model folder, or the name of a bundled or user model; default: the bundled model' },
    json: {
      kind: 'boolean',
      help: `print { model, version, prompt, segmented: [{ file, frame, output, width, height,
present, presence, probability, pixels }], failed, skipped }`,
    },
  },
  notes: `present: whether the prompted structure is in the image: for 0.3 models, the presence probability is at
least the model's presence_threshold (below it the mask is empty); before, whether the mask has pixels. presence: the model's presence probability (0.3 models; null
before). probability: the mean model probability inside the mask (null for an empty mask).
Exit status: 0 when every image was segmented; 1 when any image could not be (each named with its
reason); 2 for usage errors, an unknown prompt or clashing output names.`,
});

interface SegmentArgs {
  inputs: string[];
  prompt: string;
  out: string;
  model: string | undefined;
  json: boolean;
}

function parseArgs(argv: string[]): SegmentArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  return parsed === 'help' ? 'help' : { ...parsed.values, inputs: parsed.positionals };
}

/** '<name>' of an image file: its base name without a DICOM, PNG or JPEG extension. */
const stemOf = (file: string): string => path.basename(file).replace(/\.(dcm|dicom|png|jpe?g)$/i, '');

const maskName = (ref: ImageRef): string => `${stemOf(ref.file)}${ref.numberOfFrames > 1 ? `-f${String(ref.frame).padStart(4, '0')}` : ''}.png`;

interface Segmented {
  file: string;
  frame: number;
  output: string;
  width: number;
  height: number;
  present: boolean;
  presence: number | null;
  probability: number | null;
  /** Pixels inside the mask. */
  pixels: number;
}

export const segmentCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  const chosen = chooseModelFolder(args.model);
  if (!chosen.ok) {
    io.stderr(`vesalius segment: ${chosen.message}\n`);
    return 1;
  }
  const { folder } = chosen;
  const declared = declaredPrompt(folder.config.segment_prompts, args.prompt);
  if (!declared.ok) {
    io.stderr(`vesalius segment: ${declared.message}\n`);
    return 2;
  }
  const { prompt } = declared;

  const found = await findImages(args.inputs, { allFrames: true });
  if (found.images.length === 0 && found.failed.length === 0) {
    io.stderr(`vesalius segment: no images (DICOM, PNG or JPEG) under ${args.inputs.map(shown).join(', ')}${found.skipped.length ? ` (${found.skipped.length} other file(s) skipped)` : ''}\n`);
    return 1;
  }
  // Outputs decided before any work: a clash or an overwritten input is refused whole.
  const outDir = path.resolve(args.out);
  const byOutput = new Map<string, ImageRef>();
  const inputs = new Set(found.images.map((ref) => path.resolve(ref.file)));
  for (const ref of found.images) {
    const output = path.join(outDir, maskName(ref));
    const earlier = byOutput.get(output);
    if (earlier) {
      io.stderr(`vesalius segment: ${shown(earlier.file)} and ${shown(ref.file)} would both write ${shown(output)}; segment them into different --out folders\n`);
      return 2;
    }
    if (inputs.has(output)) {
      io.stderr(`vesalius segment: the mask of ${shown(ref.file)} would overwrite the input ${shown(output)}; give another --out folder\n`);
      return 2;
    }
    byOutput.set(output, ref);
  }

  const segmented: Segmented[] = [];
  const failed: FileProblem[] = [...found.failed];
  if (byOutput.size > 0) {
    try {
      await mkdir(outDir, { recursive: true });
    } catch (e) {
      io.stderr(`vesalius segment: cannot create ${shown(args.out)}: ${ioErrorText(e)}\n`);
      return 1;
    }
    const client = startModel(folder);
    try {
      const loaded = await client.load();
      if (!loaded.ok) {
        io.stderr(`vesalius segment: ${loaded.error.message}\n`);
        return 1;
      }
      const progress = terminalProgress(io, 'segmenting');
      let done = 0;
      for (const [output, ref] of byOutput) {
        progress.onProgress?.(done++, byOutput.size);
        const input = await readImage(ref);
        if (isProblem(input)) {
          failed.push(input);
          continue;
        }
        const result = await client.segment(input.image, prompt);
        if (!result.ok) {
          failed.push({ file: ref.file, reason: result.error.message });
          continue;
        }
        const { width, height, mask, probabilityMean } = result.value;
        const png = new Uint8Array(mask.length);
        let pixels = 0;
        for (let i = 0; i < mask.length; i++) {
          if (mask[i]) {
            png[i] = 255;
            pixels++;
          }
        }
        try {
          await writeFile(output, encodePng(png, width, height, 1));
        } catch (e) {
          failed.push({ file: ref.file, reason: `cannot write ${shown(output)}: ${ioErrorText(e)}` });
          continue;
        }
        const { present, presenceProbability } = result.value;
        segmented.push({ file: ref.file, frame: ref.frame, output, width, height, present, presence: presenceProbability, probability: probabilityMean, pixels });
      }
      progress.done();
    } finally {
      await client.dispose();
    }
  }

  if (args.json) {
    io.stdout(`${JSON.stringify({ model: folder.name, version: folder.config.version, prompt: prompt, segmented, failed, skipped: found.skipped }, null, 2)}\n`);
  } else {
    const lines: string[] = [];
    for (const s of segmented) {
      const presence = s.presence === null ? '' : `, presence ${s.presence.toFixed(2)}`;
      const what = s.present ? `${s.pixels} pixels inside${s.probability === null ? '' : `, mean probability ${s.probability.toFixed(2)}`}` : 'nothing found (empty mask)';
      const frame = (byOutput.get(s.output)?.numberOfFrames ?? 1) > 1 ? ` frame ${s.frame}` : '';
      lines.push(`${shown(s.file)}${frame} → ${shown(s.output)} (${s.width}×${s.height}: ${what}${presence})`);
    }
    if (failed.length) {
      lines.push('', `Not segmented (${failed.length}):`);
      for (const f of failed) lines.push(`  ${shown(f.file)}: ${f.reason}`);
    }
    if (found.skipped.length) {
      lines.push('', `Skipped, not images (${found.skipped.length}):`);
      for (const s of found.skipped) lines.push(`  ${shown(s.file)}: ${s.reason}`);
    }
    lines.push('', `${segmented.length} mask(s) written for "${prompt}"; ${failed.length} failed; ${found.skipped.length} skipped.`);
    io.stdout(`${lines.join('\n')}\n`);
  }
  return failed.length > 0 ? 1 : 0;
};
