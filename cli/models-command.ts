import path from 'node:path';
import type { AssistantTask } from '../core/contract/assistant';
import { defaultModel, loadModelFolder, modelTasks } from '../core/model/config';
import { modelIdOf, openModelFolder } from '../core/model/registry';
import { errorMessage } from '../core/model/errors';
import { defaultModelsDir } from '../core/services/assistant-handlers';
import { UsageError, type CliCommand } from './command';
import { shown } from './index-command';
import { modelFolderCandidates, startModel, userModelsDir } from './model-session';
import { defineCommand, helpText, parseCommandLine } from './options';

const command = defineCommand({
  name: 'models',
  synopsis: ['vesalius models list [--check] [--json]'],
  // The subcommand is a positional, so the options may stand before it as well (`models --json list`).
  positionals: { synopsis: 'list', min: 1, max: Infinity, missing: "give a subcommand: 'list'" },
  about: `Lists the assistant's model folders: the bundled ones (models/) and the user's ($VESALIUS_HOME/models,
one folder per model in the Hugging Face layout), each with its version, the tasks it offers, the
prompts it segments, what of the 0.3 layout it has (header fusion, presence, answer probability) and
its problems (the file and the reason, from validating its JSON files). The model the assistant
commands use without --model is marked default.`,
  options: {
    check: {
      kind: 'boolean',
      help: `also load every usable model's ONNX graphs in the inference worker (a few seconds each),
so a graph onnxruntime cannot load, or with the wrong inputs, shows as a problem`,
    },
    json: {
      kind: 'boolean',
      help: `print { models: [{ id, name, dir, source, default, testOnly, version, description, parameters,
tasks, prompts, features, problem }], userDir }`,
    },
  },
  notes: `A folder whose config.json says "test_only": true (tiny-random: random weights, for tests) is listed
marked "test model"; the app's model picker leaves it out.

Exit status: 0 (problems are listed, not failures); 2 for usage errors.`,
});

interface ListedModel {
  /** The registry's id (`bundled:<name>`, `user:<name>`): what the dock's picker keeps, and what --model also takes. */
  id: string;
  name: string;
  dir: string;
  source: 'bundled' | 'user';
  default: boolean;
  /** config.json `test_only`: a test fixture, which the app's picker leaves out. */
  testOnly: boolean;
  version: string | null;
  description: string | null;
  parameters: number | null;
  tasks: AssistantTask[];
  prompts: string[];
  /** What of the 0.3 layout the folder declares. */
  features: { headerFusion: boolean; presence: boolean; answerProbability: boolean; keepsAspect: boolean };
  problem: string | null;
}

function parseArgs(argv: string[]): { json: boolean; check: boolean } | 'help' {
  const parsed = parseCommandLine(command, argv);
  if (parsed === 'help') return 'help';
  const [subcommand, ...extra] = parsed.positionals;
  if (subcommand !== 'list') throw new UsageError(`unknown subcommand '${subcommand}' (subcommands: list)`);
  if (extra.length > 0) throw new UsageError('models list takes no arguments');
  return parsed.values;
}

function describe(candidate: { source: 'bundled' | 'user'; dir: string }, defaultDir: string | undefined): ListedModel {
  const base: ListedModel = {
    id: modelIdOf(candidate.source, candidate.dir),
    name: path.basename(candidate.dir),
    dir: candidate.dir,
    source: candidate.source,
    default: candidate.dir === defaultDir,
    testOnly: false,
    version: null,
    description: null,
    parameters: null,
    tasks: [],
    prompts: [],
    features: { headerFusion: false, presence: false, answerProbability: false, keepsAspect: false },
    problem: null,
  };
  try {
    const folder = openModelFolder(candidate.dir);
    const { config } = folder;
    return {
      ...base,
      testOnly: config.test_only === true,
      version: config.version,
      description: config.description ?? null,
      parameters: config.parameters,
      tasks: modelTasks(config),
      prompts: config.segment_prompts,
      features: {
        headerFusion: config.header_fusion !== undefined,
        presence: config.presence_threshold !== undefined,
        answerProbability: config.answer_probability !== undefined,
        keepsAspect: folder.preprocessor.fit === 'pad',
      },
    };
  } catch (e) {
    return { ...base, problem: errorMessage(e) };
  }
}

/** Loads the folder's graphs in a worker: the problem onnxruntime (or the input check) names, or null. */
async function checkGraphs(model: ListedModel): Promise<string | null> {
  const client = startModel(loadModelFolder(model.dir));
  try {
    const loaded = await client.load();
    return loaded.ok ? null : loaded.error.message;
  } finally {
    await client.dispose();
  }
}

function formatList(models: ListedModel[], userDir: string): string {
  const lines: string[] = [];
  for (const m of models) {
    lines.push(`${m.name}${m.version ? ` ${m.version}` : ''} (${m.source}${m.default ? ', default' : ''}${m.testOnly ? ', test model' : ''}) ${shown(m.dir)}`);
    if (m.problem) {
      lines.push(`  problem: ${m.problem}`);
      continue;
    }
    if (m.description) lines.push(`  ${m.description}`);
    lines.push(`  tasks: ${m.tasks.join(', ')}${m.parameters !== null ? `; ${m.parameters.toLocaleString('en-US')} parameters` : ''}`);
    lines.push(`  segments: ${m.prompts.join(', ') || '(no prompts)'}`);
    const features = [
      m.features.headerFusion && 'header fusion',
      m.features.presence && 'presence',
      m.features.answerProbability && 'answer probability',
      m.features.keepsAspect && 'aspect ratio kept',
    ].filter(Boolean);
    if (features.length) lines.push(`  0.3: ${features.join(', ')}`);
  }
  if (models.length === 0) lines.push(`No model folders under ${shown(defaultModelsDir())} or ${shown(userDir)}.`);
  else lines.push('', `User models go into ${shown(userDir)} (one folder per model).`);
  return `${lines.join('\n')}\n`;
}

export const modelsCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  const defaultDir = defaultModel(defaultModelsDir())?.dir;
  const models = modelFolderCandidates().map((c) => describe(c, defaultDir));
  if (args.check) {
    for (const m of models) if (!m.problem) m.problem = await checkGraphs(m);
  }
  const userDir = userModelsDir();
  io.stdout(args.json ? `${JSON.stringify({ models, userDir }, null, 2)}\n` : formatList(models, userDir));
  return 0;
};
