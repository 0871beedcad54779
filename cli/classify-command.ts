import { parseLabelList } from '../core/contract/assistant';
import { DEFAULT_ZERO_SHOT_SETS } from '../core/inference/zero-shot';
import { classifyImage, classifyUnsupported } from '../core/services/zero-shot-classify';
import { UsageError, walkArgs, type CliCommand } from './command';
import { isProblem, readOneImage } from './image-input';
import { shown } from './index-command';
import { chooseModelFolder, startModel } from './model-session';

const defaultSets = DEFAULT_ZERO_SHOT_SETS.map((s) => `${s.name} (${s.labels.join(', ')})`).join(' and ');

const help = `Usage: vesalius classify <image> [--labels "a,b,c"] [--model DIR|NAME] [--json]

Zero-shot classification with the assistant model's image and text embeddings (models with embeddings:
vesalius-vlm 0.3 or later): each label's text embedding is the mean of its prompt templates' embeddings,
and its probability the softmax over the labels of the model's logit scale × cosine with the image's.
Without --labels the image is classified by ${defaultSets}, with the templates of
models/training/retrieval_eval.py. Research and annotation aid, not for diagnosis.

  <image>           a DICOM file (frame 1; CT as HU from its rescale, other images as rendered with
                    their window), a PNG (16-bit grey = CT values HU + 1024) or a JPEG
  --labels "a,b,c"  your own labels, comma-separated: 2 to 16 distinct labels of at most 64 characters
  --model DIR|NAME  a model folder, or the name of a bundled or user model ('vesalius models list');
                    default: the bundled model
  --json            print { file, frame, model, version, sets: [{ name, labels: [{ label, probability,
                    cosine }] }], ms, input }, each set's labels most probable first

Exit status: 0 with the probabilities; 1 when the image cannot be read, the labels are not usable, the
model has no embeddings or fails (the reason is printed); 2 for usage errors.
`;

interface ClassifyArgs {
  image: string;
  labels: string | undefined;
  model: string | undefined;
  json: boolean;
}

function parseArgs(argv: string[]): ClassifyArgs | 'help' {
  let model: string | undefined;
  let labels: string | undefined;
  let json = false;
  const walked = walkArgs(argv, ({ flag, value }) => {
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--json':
        json = true;
        break;
      case '--model':
        model = value();
        break;
      case '--labels':
        labels = value();
        break;
      default:
        throw new UsageError(`unknown option '${flag}'`);
    }
  });
  if (walked === 'help') return 'help';
  if (walked.length !== 1) throw new UsageError(walked.length === 0 ? 'give the image to classify' : 'give one image');
  return { image: walked[0], labels, model, json };
}

const percent = (p: number): string => `${(100 * p).toFixed(1)} %`;

export const classifyCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(help);
    return 0;
  }
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
