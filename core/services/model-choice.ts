// Which model folder the assistant uses (issue 13 item 2): the one picked in the dock (kept in the data home's
// settings across restarts), else the folder the process was started with, else the bundled default. A kept choice
// whose folder disappeared or broke falls back to the default, and the list says so.
import path from 'node:path';
import { readSettings, updateSettings } from '../config/settings';
import type { ModelEntry, ModelList } from '../contract/models';
import { err, ok, type Result } from '../contract/result';
import { defaultModel } from '../model/config';
import { findModel, inspectModelFolder, listModelFolders, listModels, userModelsDirOf, type InspectedModel, type ModelRegistryDirs } from '../model/registry';

export interface ModelChoiceDeps {
  /** The bundled model folders (the project's or the package's `models/`). */
  bundledDir: string;
  /** The data home: its `models/` holds the user's folders and `settings.json` keeps the choice. Null: neither. */
  home: string | null;
  /** A folder the process was started with (`--model`, tests): used until one is picked. */
  startDir: string | null;
}

/** The model in use now, and anything to say about how it was chosen. */
export interface CurrentModel {
  /** Null when no model folder is there at all. */
  model: InspectedModel | null;
  notice: string | null;
}

export class ModelChoice {
  private readonly dirs: ModelRegistryDirs;
  /** The id picked (in this process, or kept from an earlier one); undefined until the settings are read. */
  private picked: string | null | undefined;
  /** Why settings.json was not used, said once in the list's notice. */
  private settingsProblem: string | null = null;

  constructor(private readonly deps: ModelChoiceDeps) {
    this.dirs = { bundledDir: deps.bundledDir, userDir: deps.home === null ? null : userModelsDirOf(deps.home) };
  }

  /** The model the assistant uses now (validated: `model.folder` is null when it has a problem). */
  current(): CurrentModel {
    const picked = this.pickedId();
    if (picked !== null) {
      const found = findModel(this.dirs, picked);
      if (found && !found.entry.problem) return { model: found, notice: null };
      const fallback = this.fallback();
      const using = fallback.model ? `using ${describe(fallback.model.entry)} instead` : 'no other model is there';
      const why = found ? `cannot be used now (${found.entry.problem})` : 'is no longer there';
      return { model: fallback.model, notice: `The model chosen before, ${picked}, ${why}; ${using}.` };
    }
    return this.fallback();
  }

  /** Every model folder, the one in use marked, and what to say about the choice. */
  list(): ModelList {
    const models = listModels(this.dirs);
    const { model, notice } = this.current();
    // The folder the process was started with is listed too (one can go back to it), so the model in use is always
    // one of the entries.
    const start = this.deps.startDir === null ? null : inspectModelFolder(this.sourceOf(this.deps.startDir), this.deps.startDir).entry;
    for (const entry of [start, model?.entry]) {
      if (entry && !models.some((m) => m.id === entry.id)) models.push(entry);
    }
    const notices = [this.settingsProblem, notice].filter((n): n is string => n !== null);
    return { models, selectedId: model?.entry.id ?? null, notice: notices.length ? notices.join(' ') : null };
  }

  /**
   * Uses the listed model `id` from now on, kept in the settings; refused for an id not listed or a folder with a
   * problem. Returns the list as it is after the change.
   */
  select(id: string): Result<ModelList> {
    const { models } = this.list();
    const entry = models.find((m) => m.id === id);
    if (!entry) {
      const known = models.map((m) => m.id).join(', ') || 'none';
      return err('not_found', `assistant.selectModel: there is no model ${JSON.stringify(id.slice(0, 200))} (models: ${known})`);
    }
    if (entry.problem) return err('bad_input', `assistant.selectModel: ${describe(entry)} cannot be used: ${entry.problem}`);
    if (this.deps.home !== null) {
      try {
        // A folder given at start is not kept: a later start reads only folders it is given or the models folders.
        updateSettings(this.deps.home, { assistantModel: entry.source === 'folder' ? undefined : entry.id });
      } catch (e) {
        return err('io_error', `assistant.selectModel: the choice cannot be kept in ${this.deps.home} (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    this.picked = id;
    this.settingsProblem = null;
    return ok(this.list());
  }

  private pickedId(): string | null {
    if (this.picked === undefined) {
      this.picked = null;
      if (this.deps.home !== null && this.deps.startDir === null) {
        const read = readSettings(this.deps.home);
        this.settingsProblem = read.problem;
        // Only a registry folder is kept (see select); a folder path written into the file by hand is not read.
        const kept = read.settings.assistantModel ?? null;
        this.picked = kept !== null && !kept.startsWith('folder:') ? kept : null;
      }
    }
    return this.picked;
  }

  /** Without a (usable) pick: the folder the process was started with, else the bundled default. */
  private fallback(): CurrentModel {
    if (this.deps.startDir !== null) return { model: inspectModelFolder(this.sourceOf(this.deps.startDir), this.deps.startDir), notice: null };
    const dir = defaultModel(this.dirs.bundledDir)?.dir;
    return { model: dir === undefined ? null : inspectModelFolder('bundled', dir), notice: null };
  }

  /** A start folder that is one of the registry's has that entry's id, so the picker shows it selected. */
  /** A test fixture (not in the app's list) started with is a given folder: its id is a path, never kept. */
  private sourceOf(dir: string): 'bundled' | 'user' | 'folder' {
    const abs = path.resolve(dir);
    return listModelFolders(this.dirs).find((c) => c.dir === abs)?.source ?? 'folder';
  }
}

const describe = (entry: ModelEntry): string => `${entry.name}${entry.version ? ` ${entry.version}` : ''} (${entry.source})`;
