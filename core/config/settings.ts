// The user's settings in the data home (`settings.json`): small choices that must survive a restart, such as the
// assistant's model. Parsed with a schema on read; a file that is not valid is reported and read as no settings
// (never a reason not to start). Written whole to a temporary file and renamed, so a crash leaves the old or the new.
// The file is untrusted input (anyone or anything may have written it): only a regular file of at most
// MAX_SETTINGS_BYTES is read, and only the fields the schema knows are used.
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MAX_MODEL_ID } from '../contract/models';

export const SETTINGS_FILE = 'settings.json';

/** Settings are a few short choices; a larger file is not ours (or not intact) and is not read into memory. */
export const MAX_SETTINGS_BYTES = 64 * 1024;

/** Keys this version does not know are kept as they are (a newer version may have written them). */
export const settingsSchema = z
  .object({
    /** The registry id of the model the assistant uses (core/model/registry.ts modelIdOf). */
    assistantModel: z.string().min(1).max(MAX_MODEL_ID).optional(),
  })
  .passthrough();
export type Settings = z.infer<typeof settingsSchema>;

/** The settings, and why the file was not used when it could not be (null when it was, or is not there). */
export function readSettings(home: string): { settings: Settings; problem: string | null } {
  const file = path.join(home, SETTINGS_FILE);
  let stats;
  try {
    stats = lstatSync(file);
  } catch {
    return { settings: {}, problem: null }; // not there (or not reachable): no settings yet
  }
  // A folder, a link or a FIFO named settings.json is not read: a FIFO would block the start, a link reach elsewhere.
  if (!stats.isFile()) return { settings: {}, problem: `${file}: is not a regular file; settings are not read from it` };
  if (stats.size > MAX_SETTINGS_BYTES) {
    return { settings: {}, problem: `${file}: is ${stats.size} bytes, more than the ${MAX_SETTINGS_BYTES} a settings file holds; settings are not read from it` };
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { settings: {}, problem: `${file}: is not valid JSON (${e instanceof Error ? e.message : String(e)}); settings are not read from it` };
  }
  const parsed = settingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? issue.path.map(String).join('.') : '(root)';
    return { settings: {}, problem: `${file}: ${where}: ${issue?.message ?? 'not valid'}; settings are not read from it` };
  }
  return { settings: parsed.data, problem: null };
}

/** Changes some settings and writes the file (a file that could not be read is replaced). */
export function updateSettings(home: string, change: Partial<Settings>): Settings {
  const next = settingsSchema.parse({ ...readSettings(home).settings, ...change });
  mkdirSync(home, { recursive: true });
  const file = path.join(home, SETTINGS_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(temporary, file);
  return next;
}
