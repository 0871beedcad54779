// Which model folder an assistant command uses, and the one inference worker it runs on: the same
// InferenceClient (and worker process) the app's assistant uses, started once per command.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { resolveHome } from '../core/config/home';
import { defaultModel, discoverModels, loadModelFolder, type ModelFolder } from '../core/model/config';
import { errorMessage } from '../core/model/errors';
import { defaultModelsDir } from '../core/services/assistant-handlers';
import { InferenceClient } from '../core/inference/worker-client';
import { workerStarter } from '../workers/inference/worker-process';

/** Where the user's own model folders live: `$VESALIUS_HOME/models` (Hugging Face layout, one folder per model). */
export const userModelsDir = (env: NodeJS.ProcessEnv = process.env): string => path.join(resolveHome(env), 'models');

/** The model folders a command can name: the bundled ones (models/), then the user's. */
export function modelFolderCandidates(env: NodeJS.ProcessEnv = process.env): { source: 'bundled' | 'user'; dir: string }[] {
  const bundled = discoverModels(defaultModelsDir()).map((m) => ({ source: 'bundled' as const, dir: m.dir }));
  const userDir = userModelsDir(env);
  const user: { source: 'user'; dir: string }[] = [];
  if (existsSync(userDir)) {
    for (const name of readdirSync(userDir).sort()) {
      const dir = path.join(userDir, name);
      try {
        if (statSync(dir).isDirectory()) user.push({ source: 'user', dir });
      } catch {
        continue;
      }
    }
  }
  return [...bundled, ...user];
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
    dir = modelFolderCandidates(env).find((c) => path.basename(c.dir) === model)?.dir;
    if (!dir) return { ok: false, message: `--model ${model}: no such folder, and no bundled or user model of that name (see 'vesalius models list')` };
  }
  try {
    return { ok: true, folder: loadModelFolder(dir) };
  } catch (e) {
    return { ok: false, message: errorMessage(e) };
  }
}

/** The inference worker for one command; dispose() stops it (the command's exit must not wait on it). */
export const startModel = (folder: ModelFolder): InferenceClient => new InferenceClient({ modelDir: folder.dir, start: workerStarter() });
