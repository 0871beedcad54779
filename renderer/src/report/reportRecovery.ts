// The Report dock's local recovery copy (pure: schema, key, parse, decision; storage is passed in).
// Everything the person changed that the store has not saved yet (findings, impression, AI texts
// inserted, edited or removed, key images added, re-captioned or removed) is kept here at most once per
// animation frame after a change (coalesced/CoalescedWrite) and at once when the page goes away, since a save
// cannot finish once the page is gone (or crashed). A new key image's PNG is written once under its own key
// (recoveryPictureKey), not in every copy; it is removed when the copy no longer needs it (stored, removed,
// discarded). An AI confirmation is not kept: it is one store call made at once, shown only once stored.
import { z } from 'zod';
import { aiItemSchema, keyImageIdentity, keyImageSchema, type KeyImage, type ReportContent, type ReportVersion } from '../../../core/report/model';
import { contentDiffers, draftContent } from './reportContent';

export const RECOVERY_KEY_PREFIX = 'vesalius.report-recovery.';

/** The localStorage key of one study's recovery copy. */
export const recoveryKey = (studyKey: string): string => `${RECOVERY_KEY_PREFIX}${studyKey}`;

/** Where one study's key image PNGs are kept, each under its own key beside the copy (a study key has no ".png."). */
const picturePrefix = (studyKey: string): string => `${recoveryKey(studyKey)}.png.`;
/** The localStorage key of one new key image's PNG (base64), named in the copy as `pngKey`. */
export const recoveryPictureKey = (studyKey: string, pictureId: string): string => `${picturePrefix(studyKey)}${pictureId}`;

// Same bound as the report's own text fields (core/report/model): a copy the store would refuse is refused here.
const recoveryText = z.string().max(200_000);

/**
 * A key image as the copy keeps it: where the version it was made on lacks its PNG (a new capture whose save
 * did not land), the PNG under its own storage key `pngKey` (as written) or as base64 in the copy (copies written
 * before, and `readRecovery`'s result, which reads the key in); else `pngInVersion` (taken back from that
 * version on restore); else none (the export renders the frame: what a storage too full for it falls back to).
 */
export const recoveredKeyImageSchema = keyImageSchema
  .omit({ png: true })
  .extend({ pngBase64: z.string().max(8_000_000).nullable(), pngKey: z.string().min(1).max(512).nullable().optional(), pngInVersion: z.boolean() })
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

/**
 * Reads the study's copy, with the key images' PNGs kept under their own keys read in as `pngBase64`; storage
 * that cannot be read (disabled, sandboxed) is a reason, never a throw. A PNG that is gone or not base64 leaves
 * its key image without one (rendered at export), as a storage too full for it does.
 */
export function readRecovery(storage: RecoveryStorage, studyKey: string): RecoveryRead {
  let text: string | null;
  try {
    text = storage.getItem(recoveryKey(studyKey));
  } catch (e) {
    return { ok: false, reason: `the recovery copy ${recoveryKey(studyKey)} could not be read: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (text === null) return { ok: true, copy: null };
  const read = parseRecovery(text, studyKey);
  if (!read.ok || !read.copy?.keyImages) return read;
  const keyImages = read.copy.keyImages.map((image) => (image.pngKey && image.pngBase64 === null ? { ...image, pngBase64: storedPicture(storage, studyKey, image.pngKey) } : image));
  return { ok: true, copy: { ...read.copy, keyImages } };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A PNG kept under its own key: only the study's own picture keys are read, and only base64 is taken. */
function storedPicture(storage: RecoveryStorage, studyKey: string, key: string): string | null {
  if (!key.startsWith(picturePrefix(studyKey))) return null;
  let text: string | null;
  try {
    text = storage.getItem(key);
  } catch {
    return null;
  }
  return text !== null && text.length <= 8_000_000 && text.length % 4 === 0 && BASE64.test(text) ? text : null;
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
 * Writes the copy of `edited`: each new capture's PNG once under its own key (before the copy that names it),
 * then the copy, then the PNGs the copy written before named and this one does not (stored since, removed).
 * Where the storage cannot take a PNG, that key image is kept without it (it comes back without its PNG and is
 * rendered at export). Null when written, else the reason.
 */
export function keepEdits(storage: RecoveryStorage, studyKey: string, base: ReportVersion | null, edited: EditedContent, savedAt: string): string | null {
  const before = pictureKeysOf(storage, studyKey);
  const copy = recoveryCopyOf(studyKey, base, edited, savedAt, (png) => keepPicture(storage, studyKey, png));
  const now = new Set(copy.keyImages?.flatMap((image) => (image.pngKey ? [image.pngKey] : [])));
  const problem = writeRecovery(storage, copy);
  // Not written: the copy kept is the one before, and it names only its own pictures.
  const unneeded = problem === null ? [...before].filter((key) => !now.has(key)) : [...now].filter((key) => !before.has(key));
  for (const key of unneeded) removePicture(storage, key);
  return problem;
}

/** Removes the study's copy and the PNGs it names. */
export function removeRecovery(storage: RecoveryStorage, studyKey: string): void {
  for (const key of pictureKeysOf(storage, studyKey)) removePicture(storage, key);
  try {
    storage.removeItem(recoveryKey(studyKey));
  } catch {
    // Nothing to do: a copy that stays is offered again and can be discarded then.
  }
}

/** The study's picture keys the stored copy names (read leniently: a copy that fails the schema still has its pictures removed). */
function pictureKeysOf(storage: RecoveryStorage, studyKey: string): Set<string> {
  const keys = new Set<string>();
  try {
    const text = storage.getItem(recoveryKey(studyKey));
    const json: unknown = text === null ? null : JSON.parse(text);
    const images = json && typeof json === 'object' && 'keyImages' in json && Array.isArray(json.keyImages) ? (json.keyImages as unknown[]) : [];
    for (const image of images) {
      const key = image && typeof image === 'object' && 'pngKey' in image ? image.pngKey : null;
      if (typeof key === 'string' && key.startsWith(picturePrefix(studyKey))) keys.add(key);
    }
  } catch {
    // Unreadable or not JSON: it names nothing this can remove.
  }
  return keys;
}

// Each new capture's PNG is written once: its bytes get an id, and the keys this page wrote (per storage) are known.
const pictureIds = new WeakMap<Uint8Array, string>();
const writtenPictures = new WeakMap<RecoveryStorage, Set<string>>();
let pictureCounter = 0;

/** Writes a PNG under its own key unless this page did already; its key, or null when the storage cannot take it. */
function keepPicture(storage: RecoveryStorage, studyKey: string, png: Uint8Array): string | null {
  let id = pictureIds.get(png);
  if (id === undefined) pictureIds.set(png, (id = `${Date.now().toString(36)}-${(pictureCounter++).toString(36)}`));
  const key = recoveryPictureKey(studyKey, id);
  let written = writtenPictures.get(storage);
  if (!written) writtenPictures.set(storage, (written = new Set()));
  if (written.has(key)) return key;
  try {
    storage.setItem(key, toBase64(png));
  } catch {
    return null;
  }
  written.add(key);
  return key;
}

function removePicture(storage: RecoveryStorage, key: string): void {
  writtenPictures.get(storage)?.delete(key);
  try {
    storage.removeItem(key);
  } catch {
    // Left behind: removed with the copy that names it, or never read again.
  }
}

/** What the person edits, as the copy is made from and restored to. */
export type EditedContent = Pick<ReportContent, 'findings' | 'impression' | 'aiItems' | 'keyImages'>;

// A copy is written after every change: whether a key image's PNG is the one its version holds is compared once per pair.
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

// A copy made with its pictures inline: a new capture's PNG is encoded once, not each time.
const base64s = new WeakMap<Uint8Array, string>();
function cachedBase64(bytes: Uint8Array): string {
  let text = base64s.get(bytes);
  if (text === undefined) base64s.set(bytes, (text = toBase64(bytes)));
  return text;
}

/**
 * How a copy holds a new capture's PNG: inline as base64, or under its own key (the function writes it and gives
 * the key, or null when it could not: the key image stays without it, rendered at export).
 */
export type PictureHolding = 'inline' | ((png: Uint8Array) => string | null);

/** The copy of `edited`, made on `base` (null: no version yet), its new captures' PNGs held as `pictures` says. */
export function recoveryCopyOf(studyKey: string, base: ReportVersion | null, edited: EditedContent, savedAt: string, pictures: PictureHolding = 'inline'): RecoveryCopy {
  const stored = new Map((base?.content.keyImages ?? []).map((image) => [keyImageIdentity(image), image.png]));
  const keyImages = edited.keyImages.map(({ png, ...image }): RecoveredKeyImage => {
    const inVersion = stored.get(keyImageIdentity(image));
    if (!png) return { ...image, pngBase64: null, pngInVersion: false };
    if (inVersion && sameBytes(inVersion, png)) return { ...image, pngBase64: null, pngInVersion: true };
    if (typeof pictures === 'function') return { ...image, pngBase64: null, pngKey: pictures(png), pngInVersion: false };
    return { ...image, pngBase64: cachedBase64(png), pngInVersion: false };
  });
  return { studyKey, baseVersion: base?.number ?? 0, findings: edited.findings, impression: edited.impression, aiItems: [...edited.aiItems], keyImages, savedAt };
}

/** The edits the copy holds, on `head` (the AI texts and key images the copy does not name are the head's). */
export function recoveredContent(copy: RecoveryCopy, head: ReportVersion | null): EditedContent {
  const stored = new Map((head?.content.keyImages ?? []).map((image) => [keyImageIdentity(image), image.png]));
  const keyImages = copy.keyImages?.map(({ pngBase64, pngKey: _pngKey, pngInVersion, ...image }): KeyImage => ({
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
