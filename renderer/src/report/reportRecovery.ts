// The Report dock's local recovery copy (pure: schema, key, parse, decision; storage is passed in).
// Everything the person changed that the store has not saved yet (findings, impression, AI texts
// inserted, edited or removed, key images added, re-captioned or removed) is kept here synchronously
// on every change and when the page goes away, since a save cannot finish once the page is gone (or
// crashed). An AI confirmation is not kept: it is one store call made at once, shown only once stored.
import { z } from 'zod';
import { aiItemSchema, keyImageIdentity, keyImageSchema, type KeyImage, type ReportContent, type ReportVersion } from '../../../core/report/model';
import { contentDiffers, draftContent } from './reportContent';

export const RECOVERY_KEY_PREFIX = 'vesalius.report-recovery.';

/** The localStorage key of one study's recovery copy. */
export const recoveryKey = (studyKey: string): string => `${RECOVERY_KEY_PREFIX}${studyKey}`;

// Same bound as the report's own text fields (core/report/model): a copy the store would refuse is refused here.
const recoveryText = z.string().max(200_000);

/**
 * A key image as the copy keeps it: its PNG as base64 where the version it was made on lacks it (a new
 * capture whose save did not land), else `pngInVersion` (taken back from that version on restore),
 * else none (the export renders the frame: what a copy too big for the storage falls back to).
 */
export const recoveredKeyImageSchema = keyImageSchema
  .omit({ png: true })
  .extend({ pngBase64: z.string().max(8_000_000).nullable(), pngInVersion: z.boolean() })
  .strict();
export type RecoveredKeyImage = z.infer<typeof recoveredKeyImageSchema>;

export const recoveryCopySchema = z
  .object({
    studyKey: z.string().min(1).max(256),
    /** The version the edits were made on (0: the study had no report yet). */
    baseVersion: z.number().int().min(0),
    findings: recoveryText,
    impression: recoveryText,
    /** The AI texts as edited; absent in copies written before they were kept (the version's stand). */
    aiItems: z.array(aiItemSchema).max(500).optional(),
    /** The key images as edited; absent in copies written before they were kept (the version's stand). */
    keyImages: z.array(recoveredKeyImageSchema).max(64).optional(),
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

/**
 * Writes the copy of `edited`; where the storage cannot take its new pictures, the copy without them
 * (those key images come back without their PNG and are rendered at export). Null when written, else the reason.
 */
export function keepEdits(storage: RecoveryStorage, studyKey: string, base: ReportVersion | null, edited: EditedContent, savedAt: string): string | null {
  const full = writeRecovery(storage, recoveryCopyOf(studyKey, base, edited, savedAt));
  if (full === null) return null;
  return writeRecovery(storage, recoveryCopyOf(studyKey, base, edited, savedAt, false)) === null ? null : full;
}

export function removeRecovery(storage: RecoveryStorage, studyKey: string): void {
  try {
    storage.removeItem(recoveryKey(studyKey));
  } catch {
    // Nothing to do: a copy that stays is offered again and can be discarded then.
  }
}

/** What the person edits, as the copy is made from and restored to. */
export type EditedContent = Pick<ReportContent, 'findings' | 'impression' | 'aiItems' | 'keyImages'>;

// A copy is written on every keystroke: whether a key image's PNG is the one its version holds is compared once per pair.
const knownEqual = new WeakMap<Uint8Array, Uint8Array>();
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b || knownEqual.get(a) === b) return true;
  const equal = a.length === b.length && a.every((v, i) => v === b[i]);
  if (equal) knownEqual.set(a, b);
  return equal;
}

/** Base64 of bytes (btoa over a binary string, in chunks: spreading a whole PNG into one call overflows the stack). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// A copy is written on every keystroke: a new capture's PNG is encoded once, not each time.
const base64s = new WeakMap<Uint8Array, string>();
function cachedBase64(bytes: Uint8Array): string {
  let text = base64s.get(bytes);
  if (text === undefined) base64s.set(bytes, (text = toBase64(bytes)));
  return text;
}

/**
 * The copy of `edited`, made on `base` (null: no version yet). With `withPictures` false a new
 * capture's PNG is left out (for a storage too full to take it): the key image stays, rendered at export.
 */
export function recoveryCopyOf(studyKey: string, base: ReportVersion | null, edited: EditedContent, savedAt: string, withPictures = true): RecoveryCopy {
  const stored = new Map((base?.content.keyImages ?? []).map((image) => [keyImageIdentity(image), image.png]));
  const keyImages = edited.keyImages.map(({ png, ...image }): RecoveredKeyImage => {
    const inVersion = stored.get(keyImageIdentity(image));
    if (!png) return { ...image, pngBase64: null, pngInVersion: false };
    if (inVersion && sameBytes(inVersion, png)) return { ...image, pngBase64: null, pngInVersion: true };
    return { ...image, pngBase64: withPictures ? cachedBase64(png) : null, pngInVersion: false };
  });
  return { studyKey, baseVersion: base?.number ?? 0, findings: edited.findings, impression: edited.impression, aiItems: [...edited.aiItems], keyImages, savedAt };
}

/** The edits the copy holds, on `head` (the AI texts and key images the copy does not name are the head's). */
export function recoveredContent(copy: RecoveryCopy, head: ReportVersion | null): EditedContent {
  const stored = new Map((head?.content.keyImages ?? []).map((image) => [keyImageIdentity(image), image.png]));
  const keyImages = copy.keyImages?.map(({ pngBase64, pngInVersion, ...image }): KeyImage => ({
    ...image,
    png: pngBase64 !== null ? fromBase64(pngBase64) : pngInVersion ? (stored.get(keyImageIdentity(image)) ?? null) : null,
  }));
  return { findings: copy.findings, impression: copy.impression, aiItems: copy.aiItems ?? head?.content.aiItems ?? [], keyImages: keyImages ?? head?.content.keyImages ?? [] };
}

/** Whether the copy holds edits the stored head does not (only then is it offered): the same comparison a save makes. */
export function recoveryDiffers(copy: RecoveryCopy, head: ReportVersion | null): boolean {
  const saved = head?.content ?? null;
  return contentDiffers(saved, draftContent(recoveredContent(copy, head), saved, null));
}

/** What a copy changes against the head, in words for the notice ("2 AI texts, 1 key image"); empty when only text differs or nothing does. */
export function recoveredChanges(copy: RecoveryCopy, head: ReportVersion | null): string[] {
  const edited = recoveredContent(copy, head);
  const before = head?.content;
  const ai = new Map((before?.aiItems ?? []).map((item) => [item.id, item.text]));
  const aiChanged = edited.aiItems.filter((item) => ai.get(item.id) !== item.text).length + [...ai.keys()].filter((id) => !edited.aiItems.some((item) => item.id === id)).length;
  const keys = new Map((before?.keyImages ?? []).map((image) => [keyImageIdentity(image), image.caption]));
  const keyChanged = edited.keyImages.filter((image) => keys.get(keyImageIdentity(image)) !== image.caption).length + [...keys.keys()].filter((id) => !edited.keyImages.some((image) => keyImageIdentity(image) === id)).length;
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  return [...(aiChanged ? [plural(aiChanged, 'AI text')] : []), ...(keyChanged ? [plural(keyChanged, 'key image')] : [])];
}

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
