import { parseLabelList } from '../core/contract/assistant';
import { DEFAULT_ZERO_SHOT_SETS } from '../core/inference/zero-shot';
import { classifyImage, classifyUnsupported } from '../core/services/zero-shot-classify';
import type { CliCommand } from './command';
import { isProblem, readOneImage } from './image-input';
import { shown } from './index-command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { chooseModelFolder, startModel } from './model-session';

const defaultSets = DEFAULT_ZERO_SHOT_SETS.map((s) => `${s.name} (${s.labels.join(', ')})`).join(' and ');

const command = defineCommand({
  name: 'classify',
  positionals: {
    synopsis: '<image>',
    min: 1,
    max: 1,
    missing: 'give the image to classify',
    tooMany: 'give one image',
    help: [['<image>', 'a DICOM file (frame 1; CT as HU from its rescale, other images as rendered with\ntheir window), a PNG (16-bit grey = CT values HU + 1024) or a JPEG']],
  },
  about: `Zero-shot classification with the assistant model's image and text embeddings (models with embeddings:
vesalius-vlm 0.3 or later): each label's text embedding is the mean of its prompt templates' embeddings,
and its probability the softmax over the labels of the model's logit scale × cosine with the image's.
Without --labels the image is classified by ${defaultSets}, with the templates of
models/training/retrieval_eval.py. Research and annotation aid, not for diagnosis.`,
  options: {
    // A string here: parseLabelList checks it after the model is chosen, so a bad list exits 1 (not a usage error).
    labels: { kind: 'string', value: '"a,b,c"', help: 'your own labels, comma-separated: 2 to 16 distinct labels of at most 64 characters' },
    model: { kind: 'string', value: 'DIR|NAME', help: "a model folder, or the name of a bundled or user model ('vesalius models list');\ndefault: the bundled model" },
    json: {
      kind: 'boolean',
      help: `print { file, frame, model, version, sets: [{ name, labels: [{ label, probability,
cosine }] }], ms, input }, each set's labels most probable first`,
    },
  },
  notes: `Exit status: 0 with the probabilities; 1 when the image cannot be read, the labels are not usable, the
model has no embeddings or fails (the reason is printed); 2 for usage errors.`,
});

const percent = (p: number): string => `${(100 * p).toFixed(1)} %`;

export const classifyCommand: CliCommand = async (argv, io) => {
  const parsed = parseCommandLine(command, argv);
  if (parsed === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  const args = { ...parsed.values, image: parsed.positionals[0] };
  const fail = (message: string) => {
    io.stderr(`vesalius classify: ${message}\n`);
    return 1;
  };
  const chosen = chooseModelFolder(args.model);
  if (!chosen.ok) return fail(chosen.message);
  const unsupported = classifyUnsupported(chosen.folder);
  if (unsupported !== null) return fail(unsupported);
  let labels: string[] | undefined;
  if (args.labels !== undefined) {
    const parsed = parseLabelList(args.labels);
    if (!parsed.ok) return fail(`--labels "${args.labels}": ${parsed.reason}`);
    labels = parsed.labels;
  }
  const input = await readOneImage(args.image);
  if (isProblem(input)) return fail(`${shown(input.file)}: ${input.reason}`);

  const client = startModel(chosen.folder);
  try {
    const result = await classifyImage(chosen.folder, client, input.image, labels);
    if (!result.ok) return fail(`${shown(input.file)}: ${result.error.message}`);
    const { sets, model, version, ms } = result.value;
    if (args.json) {
      const report = { file: input.file, frame: input.frame, model, version, sets, ms: Math.round(ms), input: input.how };
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const width = Math.max(...sets.map((s) => s.name.length)) + 1;
      for (const set of sets) io.stdout(`${`${set.name}:`.padEnd(width)} ${set.labels.map((l) => `${l.label} ${percent(l.probability)}`).join(', ')}\n`);
    }
    return 0;
  } finally {
    await client.dispose();
  }
};
