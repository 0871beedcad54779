// The model registry (issue 13 item 2): which model folders exist — the bundled ones and the user's own under
// `$VESALIUS_HOME/models` — and whether each can be used. Validation reads the JSON files and checks that the ONNX
// files config.json names exist and are not empty; it never loads a graph (that is the worker's job, on first use).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ModelEntry, ModelSource } from '../contract/models';
import { discoverModels, loadModelFolder, modelTasks, type ModelFolder } from './config';
import { ModelLoadError, errorMessage } from './errors';

/** Where the registry looks: the bundled folders (the project's / the package's `models/`) and the user's folder. */
export interface ModelRegistryDirs {
  bundledDir: string;
  /** `$VESALIUS_HOME/models`; null where there is no data home (then only bundled models are listed). */
  userDir: string | null;
  /**
   * Also list (and find) folders whose config.json says `test_only: true` (tiny-random): the CLI does, marking them;
   * the app does not, so its picker offers no test fixture (a folder the process was started with is listed anyway,
   * by ModelChoice).
   */
  includeTestModels?: boolean;
}

/** The folder of the user's own models in a data home (Hugging Face layout: one folder per model). */
export const userModelsDirOf = (home: string): string => path.join(home, 'models');

/** The model types this app runs; a folder of another type (a BERT, a CLIP) is listed with that problem. */
const MODEL_TYPE = 'vesalius-vlm';

/**
 * The model folder layouts this app reads, by config.json `version` major.minor: 0.2 (image encoder, text decoder,
 * mask decoder) and 0.3 (header fusion, presence, answer probability, optional embedding graphs). A later layout may
 * need inputs this app does not feed, so it is refused by name rather than run wrongly.
 */
export const SUPPORTED_LAYOUTS = ['0.2', '0.3'] as const;

/** A stable id: the source and the folder's name (`bundled:vesalius-vlm-0.3.0`, `user:my-model`), or `folder:<path>`. */
export function modelIdOf(source: ModelSource, dir: string): string {
  return source === 'folder' ? `folder:${path.resolve(dir)}` : `${source}:${path.basename(dir)}`;
}

/** The layout a config.json version names (`0.3.0-tiny` → `0.3`), or null when it names none. */
export function layoutOf(version: string): string | null {
  const match = /^(\d+)\.(\d+)(?:[.-]|$)/.exec(version);
  return match ? `${Number(match[1])}.${Number(match[2])}` : null;
}

/**
 * What loadModelFolder does not say in words of its own: a folder of another model type, and a layout version this
 * app does not read. Reads config.json only; a missing or unparsable one is left to loadModelFolder, which names it.
 */
function checkTypeAndLayout(dir: string): void {
  const configPath = path.join(dir, 'config.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch {
    return;
  }
  if (typeof json !== 'object' || json === null) return;
  const { model_type: modelType, version } = json as { model_type?: unknown; version?: unknown };
  if (modelType !== MODEL_TYPE) {
    const shown = modelType === undefined ? 'missing' : JSON.stringify(modelType).slice(0, 60);
    throw new ModelLoadError(dir, 'config.json', `model_type is ${shown}; this app runs "${MODEL_TYPE}" model folders`);
  }
  if (typeof version !== 'string') return; // the schema names it
  const layout = layoutOf(version);
  if (layout === null || !(SUPPORTED_LAYOUTS as readonly string[]).includes(layout)) {
    throw new ModelLoadError(
      dir,
      'config.json',
      `version "${version.slice(0, 40)}" is ${layout === null ? 'not a layout version (major.minor…)' : `layout ${layout}`}, which this app cannot run (it runs layouts ${SUPPORTED_LAYOUTS.join(', ')})`,
    );
  }
}

/**
 * Validates a model folder as the registry does — model type and layout, then loadModelFolder's JSON and file
 * checks — and returns it. Throws ModelLoadError naming the file and the reason.
 */
export function openModelFolder(dir: string): ModelFolder {
  const absDir = path.resolve(dir);
  if (existsSync(absDir) && statSync(absDir).isDirectory()) checkTypeAndLayout(absDir);
  return loadModelFolder(absDir);
}

/** One folder's entry and, when usable, the folder as loaded (so a caller need not read it twice). */
export interface InspectedModel {
  entry: ModelEntry;
  folder: ModelFolder | null;
}

/** The entry of one model folder: what it declares, or the problem that keeps it from being used. */
export function inspectModelFolder(source: ModelSource, dir: string): InspectedModel {
  const absDir = path.resolve(dir);
  const base = { id: modelIdOf(source, absDir), name: path.basename(absDir), source, dir: absDir };
  try {
    const folder = openModelFolder(absDir);
    const { config } = folder;
    return {
      entry: { ...base, version: config.version, tasks: modelTasks(config), segmentPrompts: config.segment_prompts, problem: null, testOnly: config.test_only === true },
      folder,
    };
  } catch (e) {
    const peeked = peekConfig(absDir);
    return { entry: { ...base, version: peeked.version, tasks: [], segmentPrompts: [], problem: errorMessage(e), testOnly: peeked.testOnly }, folder: null };
  }
}

/**
 * What a folder's config.json states of its version (the picker still names a broken folder) and whether it is a
 * test fixture, read without validating the rest; nothing when it cannot be read.
 */
function peekConfig(dir: string): { version: string | null; testOnly: boolean } {
  try {
    const json = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { version?: unknown; test_only?: unknown } | null;
    return { version: typeof json?.version === 'string' ? json.version.slice(0, 40) : null, testOnly: json?.test_only === true };
  } catch {
    return { version: null, testOnly: false };
  }
}

/** The folders under the user's models folder, by name; hidden ones (`.cache`, `.git`) are not models. */
function userFolders(userDir: string): string[] {
  if (!existsSync(userDir)) return [];
  const dirs: string[] = [];
  for (const name of readdirSync(userDir).sort()) {
    if (name.startsWith('.')) continue;
    const dir = path.join(userDir, name);
    try {
      if (statSync(dir).isDirectory()) dirs.push(dir);
    } catch {
      continue; // vanished while listing, or a dangling link: not a folder
    }
  }
  return dirs;
}

/**
 * The bundled folders (the set discoverModels finds: config.json of model_type vesalius-vlm, newest first), then
 * every folder under the user's models folder (by name), each with its problem. A user folder may share a bundled
 * one's name: both are listed, with different ids. Test fixtures (config.json test_only) only with
 * `includeTestModels`.
 */
export function listModelFolders(dirs: ModelRegistryDirs): { source: Exclude<ModelSource, 'folder'>; dir: string }[] {
  const listed = (testOnly: boolean): boolean => dirs.includeTestModels === true || !testOnly;
  const bundled = discoverModels(dirs.bundledDir)
    .filter((m) => listed(m.testOnly))
    .map((m) => ({ source: 'bundled' as const, dir: path.resolve(m.dir) }));
  const user = dirs.userDir === null ? [] : userFolders(dirs.userDir).filter((dir) => listed(peekConfig(dir).testOnly)).map((dir) => ({ source: 'user' as const, dir: path.resolve(dir) }));
  return [...bundled, ...user];
}

/** Every model folder's entry (see listModelFolders). */
export function listModels(dirs: ModelRegistryDirs): ModelEntry[] {
  return listModelFolders(dirs).map((c) => inspectModelFolder(c.source, c.dir).entry);
}

/**
 * The folder an id names, inspected, without listing the others; null when the id names no folder that is there
 * (unknown source, a bundled name discoverModels would not list, a folder that disappeared) or none listModels
 * lists (a test fixture without `includeTestModels`). A `folder:` id is inspected as it is: only the folder a
 * process was started with has one.
 */
export function findModel(dirs: ModelRegistryDirs, id: string): InspectedModel | null {
  const found = findModelFolder(dirs, id);
  if (found === null || found.entry.source === 'folder' || dirs.includeTestModels === true || !found.entry.testOnly) return found;
  return null;
}

function findModelFolder(dirs: ModelRegistryDirs, id: string): InspectedModel | null {
  const colon = id.indexOf(':');
  if (colon <= 0) return null;
  const source = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  if (source === 'folder') return path.isAbsolute(rest) && isFolder(rest) ? inspectModelFolder('folder', rest) : null;
  // A name, never a path: `user:../x` must not reach outside the models folder.
  if (!rest || rest !== path.basename(rest) || rest === '.' || rest === '..') return null;
  if (source === 'bundled') {
    const found = discoverModels(dirs.bundledDir).find((m) => m.name === rest);
    return found ? inspectModelFolder('bundled', found.dir) : null;
  }
  if (source === 'user' && dirs.userDir !== null && !rest.startsWith('.')) {
    const dir = path.join(dirs.userDir, rest);
    return isFolder(dir) ? inspectModelFolder('user', dir) : null;
  }
  return null;
}

const isFolder = (dir: string): boolean => {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
};
