// Which model folder an assistant command uses, and the one inference worker it runs on: the same
// InferenceClient (and worker process) the app's assistant uses, started once per command.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { resolveHome } from '../core/config/home';
import { defaultModel, type ModelFolder } from '../core/model/config';
import { listModelFolders, modelIdOf, openModelFolder, userModelsDirOf } from '../core/model/registry';
import { errorMessage } from '../core/model/errors';
import { defaultModelsDir } from '../core/services/assistant-handlers';
import { InferenceClient } from '../core/inference/worker-client';
import { workerStarter } from '../workers/inference/worker-process';

/** Where the user's own model folders live: `$VESALIUS_HOME/models` (Hugging Face layout, one folder per model). */
export const userModelsDir = (env: NodeJS.ProcessEnv = process.env): string => userModelsDirOf(resolveHome(env));

/**
 * The model folders a command can name: the registry's (core/model/registry.ts), the bundled ones then the user's,
 * test fixtures (tiny-random) included: a command names its model, and `models list` marks them.
 */
export function modelFolderCandidates(env: NodeJS.ProcessEnv = process.env): { source: 'bundled' | 'user'; dir: string }[] {
  return listModelFolders({ bundledDir: defaultModelsDir(), userDir: userModelsDir(env), includeTestModels: true });
}

/**
 * The model folder for `--model` (a folder path, or the name of a bundled or user model folder), or the
 * bundled default without it. Its JSON files are validated here (a broken folder names the file), before
 * any worker starts. Returns the message to print when there is none or it cannot be used.
 */
export function chooseModelFolder(model: string | undefined, env: NodeJS.ProcessEnv = process.env): { ok: true; folder: ModelFolder } | { ok: false; message: string } {
  let dir: string | undefined;
  if (model === undefined) {
    dir = defaultModel(defaultModelsDir())?.dir;
    if (!dir) return { ok: false, message: `no model folder found under ${defaultModelsDir()} (a folder with a config.json of model_type "vesalius-vlm"); give one with --model DIR` };
  } else if (existsSync(model)) {
    dir = model;
  } else {
    // A name (the first of that name, bundled before the user's) or a registry id (`user:my-model`) picks one.
    dir = modelFolderCandidates(env).find((c) => path.basename(c.dir) === model || modelIdOf(c.source, c.dir) === model)?.dir;
    if (!dir) return { ok: false, message: `--model ${model}: no such folder, and no bundled or user model of that name (see 'vesalius models list')` };
  }
  try {
    return { ok: true, folder: openModelFolder(dir) };
  } catch (e) {
    return { ok: false, message: errorMessage(e) };
  }
}

/** The inference worker for one command; dispose() stops it (the command's exit must not wait on it). */
export const startModel = (folder: ModelFolder): InferenceClient => new InferenceClient({ modelDir: folder.dir, start: workerStarter() });
