import { UsageError, type CliCommand, type CliIo } from './command';

interface CommandEntry {
  summary: string;
  usage: string;
  load: () => Promise<CliCommand>;
}

// Each command is loaded lazily so `vesalius index` never pays for the scoring code and vice versa.
const commands: Record<string, CommandEntry> = {
  index: {
    summary: 'index DICOM files and folders; print the study tree and every rejected file',
    usage: 'vesalius index <path>... [--json]',
    load: async () => (await import('./index-command')).indexCommand,
  },
  import: {
    summary: 'import DICOM files and folders into the study catalog (unchanged files skipped)',
    usage: 'vesalius import <path>... [--json]',
    load: async () => (await import('./import-command')).importCommand,
  },
  studies: {
    summary: "list the catalog's studies and series with their keys",
    usage: 'vesalius studies [--query TEXT] [--json]',
    load: async () => (await import('./studies-command')).studiesCommand,
  },
  masks: {
    summary: 'import a mask file into the annotation store with its provenance; list a series\' segmentations; export one as DICOM SEG or NIfTI',
    usage: 'vesalius masks import <file> [--series <key>] [--role expert|annotator|model] [--author NAME] [--json] | masks list --series <key> [--json] | masks export <id> --format seg|nifti --out <file> [--segments 1,2]',
    load: async () => (await import('./masks-command')).masksCommand,
  },
  score: {
    summary: 'score predicted masks against truth masks (IoU, mIoU, Dice) per case and over a dataset',
    usage: 'vesalius score --truth <segmentation id|file|dir> --pred <segmentation id|file|dir> [--json] [--csv <file>] [--empty skip|one]',
    load: async () => (await import('./score-command')).scoreCommand,
  },
  agree: {
    summary: "agreement between a series' segmentations (IoU/Dice per label) and their consensus (majority or STAPLE)",
    usage: 'vesalius agree --series <key> [--ids a,b] [--method majority|staple] [--no-consensus] [--json]',
    load: async () => (await import('./agree-command')).agreeCommand,
  },
  render: {
    summary: 'render DICOM images (a file, or every image under a folder) to 8-bit PNG with their window',
    usage: 'vesalius render <file|dir> [--frame N] [--window C,W | --preset lung|…] --out <png|dir> [--json]',
    load: async () => (await import('./render-command')).renderCommand,
  },
  report: {
    summary: 'write the PDF report of a study (a folder is imported first, with its SEG files)',
    usage: 'vesalius report <study key|dir> --out <file.pdf> [--dicom <dir>] [--csv <file>] [--version N] [--json]',
    load: async () => (await import('./report-command')).reportCommand,
  },
  caption: {
    summary: 'describe an image with the local assistant model (DICOM, PNG or JPEG)',
    usage: 'vesalius caption <image> [--model DIR|NAME] [--json]',
    load: async () => (await import('./caption-command')).captionCommand,
  },
  ask: {
    summary: 'answer a question about an image; --batch answers a JSONL file of {id, image, question}',
    usage: 'vesalius ask <image> "<question>" [--model DIR|NAME] [--json] | ask --batch <in.jsonl> --out <out.jsonl>',
    load: async () => (await import('./ask-command')).askCommand,
  },
  segment: {
    summary: 'segment images with the assistant model: one 8-bit PNG mask per image (255 inside)',
    usage: 'vesalius segment <image|dir>... --prompt <text> --out <dir> [--model DIR|NAME] [--json]',
    load: async () => (await import('./segment-command')).segmentCommand,
  },
  models: {
    summary: 'list the model folders (bundled and $VESALIUS_HOME/models): version, tasks, prompts, problems',
    usage: 'vesalius models list [--check] [--json]',
    load: async () => (await import('./models-command')).modelsCommand,
  },
  eval: {
    summary: 'score a model on lung-ct (lung IoU, left/right mIoU) or vqa-rad (closed/open accuracy): the figures of npm run model:eval',
    usage: 'vesalius eval --dataset lung-ct|vqa-rad --split val|test [--data-dir DIR] [--model DIR|NAME] [--limit N] [--json]',
    load: async () => (await import('./eval-command')).evalCommand,
  },
  classify: {
    summary: 'zero-shot classification of an image by the model\'s embeddings: modality and region, or your --labels, with probabilities',
    usage: 'vesalius classify <image> [--labels "a,b,c"] [--model DIR|NAME] [--json]',
    load: async () => (await import('./classify-command')).classifyCommand,
  },
  embed: {
    summary: "write the assistant model's embedding of each image (DICOM, PNG, JPEG) to a JSON Lines file",
    usage: 'vesalius embed <image|dir>... --out <file> [--model DIR|NAME] [--json]',
    load: async () => (await import('./embed-command')).embedCommand,
  },
  search: {
    summary: "rank the catalog's images by a text or like an image (indexes what is new first)",
    usage: 'vesalius search "<text>" | --like <image> [--k N] [--in <dir>] [--model DIR|NAME] [--json]',
    load: async () => (await import('./search-command')).searchCommand,
  },
  deidentify: {
    summary: 'write de-identified copies of DICOM files (PS3.15 Basic Application Level Confidentiality Profile; UIDs mapped across the export)',
    usage: 'vesalius deidentify <file|dir>... --out <dir> [--option retain-safe-private|modified-dates|retain-full-dates|retain-uids|retain-institution-identity|…] [--json]',
    load: async () => (await import('./deidentify-command')).deidentifyCommand,
  },
};

const usage = (): string =>
  ['Usage: vesalius <command> [options]', '', 'Commands:']
    .concat(Object.entries(commands).map(([name, c]) => `  ${c.usage.padEnd(60)} ${c.summary}`))
    .join('\n') + '\n';

const stdio: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

export async function runCli(argv: string[], io: CliIo = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr)(usage());
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr(`vesalius: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await entry.load())(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`vesalius ${name}: ${e.message}\nUsage: ${entry.usage}\n`);
      return 2;
    }
    throw e;
  }
}
