import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { ModelLoadError } from './errors';
import type { AssistantTask } from '../contract/assistant';
import { WordLevelTokenizer } from './tokenizer';
import {
  modelConfigSchema,
  preprocessorConfigSchema,
  tokenizerJsonSchema,
  type ModelConfig,
  type PreprocessorConfig,
  type TokenizerJson,
} from './schemas';

/** A model folder whose JSON files parsed and agree with each other; ONNX files exist and are not empty. */
export interface ModelFolder {
  /** The folder's base name, e.g. `vesalius-vlm-0.3.0`: how errors and results name the model. */
  name: string;
  dir: string;
  config: ModelConfig;
  tokenizer: TokenizerJson;
  preprocessor: PreprocessorConfig;
  /** Absolute paths of the ONNX files named in config.files (the embedding graphs only when named). */
  onnxPaths: { imageEncoder: string; textDecoder: string; maskDecoder: string; imageEmbed?: string; textEmbed?: string };
}

const describeIssues = (issues: { path: PropertyKey[]; message: string }[]): string =>
  issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');

function readJsonFile<S extends z.ZodType>(dir: string, file: string, schema: S): z.output<S> {
  const filePath = path.join(dir, file);
  if (!existsSync(filePath)) throw new ModelLoadError(dir, file, 'file is missing');
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (e) {
    throw new ModelLoadError(dir, file, `cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (text.trim().length === 0) throw new ModelLoadError(dir, file, 'file is empty');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError(dir, file, `is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ModelLoadError(dir, file, `does not match the model folder format: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

function checkOnnxFile(dir: string, file: string): string {
  const filePath = path.join(dir, file);
  if (!existsSync(filePath)) throw new ModelLoadError(dir, file, 'file is missing (named in config.json files)');
  const stat = statSync(filePath);
  if (!stat.isFile()) throw new ModelLoadError(dir, file, 'is not a regular file');
  if (stat.size === 0) throw new ModelLoadError(dir, file, 'file is empty (0 bytes)');
  return filePath;
}

/** The tokenizer and the config must agree on the special tokens, or decoding silently goes wrong. */
function checkConsistency(dir: string, config: ModelConfig, tokenizer: TokenizerJson, preprocessor: PreprocessorConfig): void {
  if (preprocessor.image_size !== config.image_size) {
    throw new ModelLoadError(dir, 'preprocessor_config.json', `image_size ${preprocessor.image_size} differs from config.json image_size ${config.image_size}`);
  }
  const ids = Object.values(tokenizer.vocab);
  const maxId = Math.max(...ids);
  if (maxId >= config.vocab_size) {
    throw new ModelLoadError(dir, 'tokenizer.json', `token id ${maxId} is outside config.json vocab_size ${config.vocab_size}`);
  }
  const specials: [string, number][] = [
    ['<bos>', config.bos_token_id],
    ['<eos>', config.eos_token_id],
    ['<pad>', config.pad_token_id],
  ];
  for (const [token, id] of specials) {
    if (tokenizer.vocab[token] !== id) throw new ModelLoadError(dir, 'tokenizer.json', `${token} has id ${tokenizer.vocab[token]} but config.json says ${id}`);
  }
  const fusion = config.header_fusion;
  const words = new WordLevelTokenizer(tokenizer);
  for (const slot of config.caption_prefix_slots ?? []) {
    if (!fusion) throw new ModelLoadError(dir, 'config.json', `caption_prefix_slots names "${slot}" but there is no header_fusion`);
    const values = fusion.values[slot];
    if (!fusion.slots.includes(slot) || !values) throw new ModelLoadError(dir, 'config.json', `caption_prefix_slots names "${slot}", which is not a header_fusion slot (${fusion.slots.join(', ')})`);
    for (const value of values.slice(1)) {
      if (words.encode(value).includes(words.unkId)) throw new ModelLoadError(dir, 'config.json', `header_fusion.values.${slot} "${value}" is not in tokenizer.json's vocabulary, so a caption cannot start with it`);
    }
  }
  if ((config.files.image_embed === undefined) !== (config.files.text_embed === undefined)) {
    throw new ModelLoadError(dir, 'config.json', 'files names only one of image_embed / text_embed; the embedding space needs both');
  }
  if (config.files.image_embed && !config.embeddings) throw new ModelLoadError(dir, 'config.json', 'files names image_embed / text_embed but embeddings (embed_dim) is missing');
  for (const prefix of [config.task_prefixes.caption, config.task_prefixes.vqa, config.task_prefixes.segment, '<sep>', '<unk>']) {
    if (tokenizer.vocab[prefix] === undefined) throw new ModelLoadError(dir, 'tokenizer.json', `vocab lacks the special token ${prefix}`);
  }
}

/**
 * Reads and validates a model folder. Throws ModelLoadError naming the file and the reason for a
 * missing, empty, unparsable or inconsistent file. ONNX files are only checked to exist and be
 * non-empty here; the backend names them when the runtime cannot load them.
 */
export function loadModelFolder(dir: string): ModelFolder {
  const absDir = path.resolve(dir);
  if (!existsSync(absDir) || !statSync(absDir).isDirectory()) throw new ModelLoadError(absDir, '.', 'model folder not found');
  const config = readJsonFile(absDir, 'config.json', modelConfigSchema);
  const tokenizer = readJsonFile(absDir, 'tokenizer.json', tokenizerJsonSchema);
  const preprocessor = readJsonFile(absDir, 'preprocessor_config.json', preprocessorConfigSchema);
  checkConsistency(absDir, config, tokenizer, preprocessor);
  return {
    name: path.basename(absDir),
    dir: absDir,
    config,
    tokenizer,
    preprocessor,
    onnxPaths: {
      imageEncoder: checkOnnxFile(absDir, config.files.image_encoder),
      textDecoder: checkOnnxFile(absDir, config.files.text_decoder),
      maskDecoder: checkOnnxFile(absDir, config.files.mask_decoder),
      ...(config.files.image_embed ? { imageEmbed: checkOnnxFile(absDir, config.files.image_embed) } : {}),
      ...(config.files.text_embed ? { textEmbed: checkOnnxFile(absDir, config.files.text_embed) } : {}),
    },
  };
}

/** What a model folder can do: every folder captions, answers and segments; `embed` when it has both embedding graphs. */
export function modelTasks(config: ModelConfig): AssistantTask[] {
  const tasks: AssistantTask[] = ['caption', 'vqa', 'segment'];
  if (config.files.image_embed && config.files.text_embed) tasks.push('embed');
  return tasks;
}

/** A model folder found under models/: its config.json declares model_type "vesalius-vlm". */
export interface DiscoveredModel {
  name: string;
  dir: string;
  version: string;
  modifiedMs: number;
  /** config.json `test_only: true`: a test fixture (tiny-random), never the default nor in the app's model list. */
  testOnly: boolean;
}

/**
 * The bundled model we ship and prefer when present: the only model folder packaged with the app
 * (build/electron-builder.yml). 0.3.0 over 0.2.0 because it is at least as good on every figure of its
 * model card and has the embedding graphs archive search, find similar and zero-shot need. Retrained
 * weights replace the files of this folder in place, so nothing else names a version.
 */
export const DEFAULT_MODEL_NAME = 'vesalius-vlm-0.3.0';

const compareVersions = (a: string, b: string): number => {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
};

/**
 * Lists model folders under `modelsDir`, newest first (by version, then by modification time).
 * Folders without a readable config.json of our model type are ignored here; loading one reports its problem.
 */
export function discoverModels(modelsDir: string): DiscoveredModel[] {
  if (!existsSync(modelsDir)) return [];
  const found: DiscoveredModel[] = [];
  for (const entry of readdirSync(modelsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(modelsDir, entry.name);
    const configPath = path.join(dir, 'config.json');
    if (!existsSync(configPath)) continue;
    try {
      const json = JSON.parse(readFileSync(configPath, 'utf8')) as { model_type?: unknown; version?: unknown; test_only?: unknown };
      if (json.model_type !== 'vesalius-vlm') continue;
      found.push({
        name: entry.name,
        dir,
        version: typeof json.version === 'string' ? json.version : '0',
        modifiedMs: statSync(configPath).mtimeMs,
        testOnly: json.test_only === true,
      });
    } catch {
      continue;
    }
  }
  return found.sort((a, b) => compareVersions(b.version, a.version) || b.modifiedMs - a.modifiedMs || a.name.localeCompare(b.name));
}

/**
 * The model the assistant uses by default: the shipped one when present, else the newest found; null when none.
 * A test fixture (config.json test_only) is never the default: it is used only when named.
 */
export function defaultModel(modelsDir: string): DiscoveredModel | null {
  const models = discoverModels(modelsDir).filter((m) => !m.testOnly);
  return models.find((m) => m.name === DEFAULT_MODEL_NAME) ?? models[0] ?? null;
}
