// The Report dock's local recovery copy (pure: schema, key, parse, decision; storage is passed in).
// Text typed within the autosave delay before a close or reload is kept here synchronously, since
// the save itself cannot finish once the page goes away.
import { z } from 'zod';
import type { ReportVersion } from '../../../core/report/model';

export const RECOVERY_KEY_PREFIX = 'vesalius.report-recovery.';

/** The localStorage key of one study's recovery copy. */
export const recoveryKey = (studyKey: string): string => `${RECOVERY_KEY_PREFIX}${studyKey}`;

// Same bound as the report's own text fields (core/report/model): a copy the store would refuse is refused here.
const recoveryText = z.string().max(200_000);

export const recoveryCopySchema = z
  .object({
    studyKey: z.string().min(1).max(256),
    /** The version the edits were made on (0: the study had no report yet). */
    baseVersion: z.number().int().min(0),
    findings: recoveryText,
    impression: recoveryText,
    /** When the copy was written (ISO 8601). */
    savedAt: z.string().min(1).max(64),
  })
  .strict();

export type RecoveryCopy = z.infer<typeof recoveryCopySchema>;

/** The part of Web Storage used here (window.localStorage fits; tests pass a Map-backed one). */
export interface RecoveryStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type RecoveryRead = { ok: true; copy: RecoveryCopy | null } | { ok: false; reason: string };

export const serialiseRecovery = (copy: RecoveryCopy): string => JSON.stringify(recoveryCopySchema.parse(copy));

/** Parses a stored copy for `studyKey`; a copy that is not JSON, fails the schema or names another study is refused in words. */
export function parseRecovery(text: string, studyKey: string): RecoveryRead {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: `the recovery copy ${recoveryKey(studyKey)} is not JSON` };
  }
  const parsed = recoveryCopySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `the recovery copy ${recoveryKey(studyKey)} is not valid: ${issue?.path.join('.') || 'copy'} ${issue?.message ?? ''}`.trim() };
  }
  if (parsed.data.studyKey !== studyKey) return { ok: false, reason: `the recovery copy ${recoveryKey(studyKey)} names another study (${parsed.data.studyKey})` };
  return { ok: true, copy: parsed.data };
}

/** Reads the study's copy; storage that cannot be read (disabled, sandboxed) is a reason, never a throw. */
export function readRecovery(storage: RecoveryStorage, studyKey: string): RecoveryRead {
  let text: string | null;
  try {
    text = storage.getItem(recoveryKey(studyKey));
  } catch (e) {
    return { ok: false, reason: `the recovery copy ${recoveryKey(studyKey)} could not be read: ${e instanceof Error ? e.message : String(e)}` };
  }
  return text === null ? { ok: true, copy: null } : parseRecovery(text, studyKey);
}

/** Writes the copy; null when written, else the reason (a full or disabled storage). */
export function writeRecovery(storage: RecoveryStorage, copy: RecoveryCopy): string | null {
  try {
    storage.setItem(recoveryKey(copy.studyKey), serialiseRecovery(copy));
    return null;
  } catch (e) {
    return `the recovery copy ${recoveryKey(copy.studyKey)} could not be written: ${e instanceof Error ? e.message : String(e)}`;
  }
}

export function removeRecovery(storage: RecoveryStorage, studyKey: string): void {
  try {
    storage.removeItem(recoveryKey(studyKey));
  } catch {
    // Nothing to do: a copy that stays is offered again and can be discarded then.
  }
}

/** Whether the copy holds text the stored head does not (only then is it offered). */
export const recoveryDiffers = (copy: RecoveryCopy, head: ReportVersion | null): boolean =>
  copy.findings !== (head?.content.findings ?? '') || copy.impression !== (head?.content.impression ?? '');

/**
 * What the dock does with a copy on open: nothing (it matches what is stored: remove it), offer to
 * restore it into a draft, or show it read-only when the head is signed (it can go into an amendment).
 */
export function recoveryOffer(copy: RecoveryCopy | null, head: ReportVersion | null): 'none' | 'restore' | 'read-only' {
  if (!copy || !recoveryDiffers(copy, head)) return 'none';
  return head !== null && head.state !== 'draft' ? 'read-only' : 'restore';
}

/** "14:03:12" today, else the date and time, for "Unsaved text from … was recovered". */
export function recoveryTimeLabel(savedAt: string, now: Date = new Date()): string {
  const at = new Date(savedAt);
  if (Number.isNaN(at.getTime())) return savedAt;
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return at.toDateString() === now.toDateString() ? time : `${at.toLocaleDateString()} ${time}`;
}
