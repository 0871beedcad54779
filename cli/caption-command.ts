import type { CliCommand } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { isProblem, readOneImage } from './image-input';
import { shown } from './index-command';
import { chooseModelFolder, startModel } from './model-session';

const command = defineCommand({
  name: 'caption',
  positionals: {
    synopsis: '<image>',
    min: 1,
    max: 1,
    missing: 'give the image to caption',
    tooMany: 'give one image',
    help: [['<image>', 'a DICOM file (frame 1; CT as HU from its rescale, other images as rendered with\ntheir window), a PNG (16-bit grey = CT values HU + 1024) or a JPEG']],
  },
  about: `Describes one image with the local assistant model (modality, plane, organ, findings): the same model,
worker and preprocessing as the app's assistant. Research and annotation aid, not for diagnosis.`,
  options: {
    model: { kind: 'string', value: 'DIR|NAME', help: "a model folder, or the name of a bundled or user model ('vesalius models list');\ndefault: the bundled model" },
    json: {
      kind: 'boolean',
      help: `print { file, frame, caption, model, version, tokens, forcedTokens, probability,
ms, input }: forcedTokens of the caption's tokens were forced from the DICOM
header's known modality and plane (0.3 models with header fusion), not generated`,
    },
  },
  notes: `Exit status: 0 with a caption; 1 when the image cannot be read or the model fails (the reason is
printed); 2 for usage errors.`,
});

export const captionCommand: CliCommand = async (argv, io) => {
  const parsed = parseCommandLine(command, argv);
  if (parsed === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  const args = { ...parsed.values, image: parsed.positionals[0] };
  const chosen = chooseModelFolder(args.model);
  if (!chosen.ok) {
    io.stderr(`vesalius caption: ${chosen.message}\n`);
    return 1;
  }
  const input = await readOneImage(args.image);
  if (isProblem(input)) {
    io.stderr(`vesalius caption: ${shown(input.file)}: ${input.reason}\n`);
    return 1;
  }
  const client = startModel(chosen.folder);
  try {
    const started = performance.now();
    const result = await client.caption(input.image);
    if (!result.ok) {
      io.stderr(`vesalius caption: ${shown(input.file)}: ${result.error.message}\n`);
      return 1;
    }
    const { text, tokenIds, forcedTokens, probability, model } = result.value;
    if (args.json) {
      const report = {
        file: input.file,
        frame: input.frame,
        caption: text,
        model,
        version: chosen.folder.config.version,
        tokens: tokenIds.length,
        /** The first tokens, forced from the header's known modality / plane (0.3 models), not generated. */
        forcedTokens,
        probability,
        ms: Math.round(performance.now() - started),
        input: input.how,
      };
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      io.stdout(`${text}\n`);
    }
    return 0;
  } finally {
    await client.dispose();
  }
};
