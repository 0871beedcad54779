import { describe, expect, it } from 'vitest';
import { emptyReportContent, type AiItem, type KeyImage, type ReportVersion } from '../../../core/report/model';
import {
  fromBase64,
  keepEdits,
  parseRecovery,
  readRecovery,
  recoveredChanges,
  recoveredContent,
  recoveryCopyOf,
  recoveryDiffers,
  recoveryKey,
  recoveryOffer,
  removeRecovery,
  serialiseRecovery,
  toBase64,
  writeRecovery,
  type EditedContent,
  type RecoveryCopy,
  type RecoveryStorage,
} from './reportRecovery';

const copy: RecoveryCopy = { studyKey: '1.2.840.1', baseVersion: 3, findings: 'Typed just before the reload.', impression: 'Normal.', savedAt: '2026-12-01T19:30:00.000Z' };

const mapStorage = (): RecoveryStorage & { map: Map<string, string> } => {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
};

const version = (findings: string, impression: string, state: ReportVersion['state'] = 'draft'): ReportVersion => ({
  studyKey: copy.studyKey,
  number: 3,
  edition: 1,
  state,
  savedBy: 'local',
  savedAt: '2026-12-01T19:00:00.000Z',
  note: '',
  signature: state === 'draft' ? null : { signer: 'Dr A', signedAt: '2026-12-01T19:10:00.000Z' },
  supersededBy: null,
  content: { ...emptyReportContent(), findings, impression },
} as ReportVersion);

describe('recovery copy', () => {
  it('round-trips through storage under the per-study key', () => {
    const storage = mapStorage();
    expect(writeRecovery(storage, copy)).toBeNull();
    expect([...storage.map.keys()]).toEqual(['vesalius.report-recovery.1.2.840.1']);
    expect(readRecovery(storage, copy.studyKey)).toEqual({ ok: true, copy });
    removeRecovery(storage, copy.studyKey);
    expect(readRecovery(storage, copy.studyKey)).toEqual({ ok: true, copy: null });
  });

  it('refuses a copy that is not JSON, misses a field, or names another study, in words naming the key', () => {
    const key = recoveryKey(copy.studyKey);
    const notJson = parseRecovery('{oops', copy.studyKey);
    expect(notJson).toEqual({ ok: false, reason: `the recovery copy ${key} is not JSON` });
    const missing = parseRecovery(JSON.stringify({ ...copy, findings: undefined }), copy.studyKey);
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.reason).toContain(`${key} is not valid: findings`);
    const other = parseRecovery(serialiseRecovery({ ...copy, studyKey: '9.9' }), copy.studyKey);
    expect(other).toEqual({ ok: false, reason: `the recovery copy ${key} names another study (9.9)` });
    expect(parseRecovery(JSON.stringify({ ...copy, baseVersion: -1 }), copy.studyKey).ok).toBe(false);
  });

  it('turns a storage that throws into a reason', () => {
    const broken: RecoveryStorage = {
      getItem: () => { throw new Error('denied'); },
      setItem: () => { throw new Error('QuotaExceededError'); },
      removeItem: () => { throw new Error('denied'); },
    };
    expect(writeRecovery(broken, copy)).toContain('could not be written: QuotaExceededError');
    expect(readRecovery(broken, copy.studyKey)).toEqual({ ok: false, reason: `the recovery copy ${recoveryKey(copy.studyKey)} could not be read: denied` });
    expect(() => removeRecovery(broken, copy.studyKey)).not.toThrow();
  });
});

describe('recoveryOffer', () => {
  it('offers nothing when the stored draft already holds the text, or there is no copy', () => {
    expect(recoveryDiffers(copy, version(copy.findings, copy.impression))).toBe(false);
    expect(recoveryOffer(copy, version(copy.findings, copy.impression))).toBe('none');
    expect(recoveryOffer(null, version('a', 'b'))).toBe('none');
    expect(recoveryOffer({ ...copy, findings: '', impression: '' }, null)).toBe('none');
  });

  it('offers a restore when findings or impression differ from the draft (or there is no report yet)', () => {
    expect(recoveryOffer(copy, null)).toBe('restore');
    expect(recoveryOffer(copy, version('older text', copy.impression))).toBe('restore');
    expect(recoveryOffer(copy, version(copy.findings, 'other'))).toBe('restore');
  });

  it('shows a copy read-only over a signed or amended head (never written to it)', () => {
    expect(recoveryOffer(copy, version('signed text', '', 'final'))).toBe('read-only');
  });
});

const aiItem = (id: string, text: string, status: AiItem['status'] = 'ai-draft'): AiItem => ({
  id,
  kind: 'caption',
  question: null,
  text,
  model: { name: 'vesalius-vlm', version: '0.2.0' },
  status,
  reviewedBy: status === 'ai-draft' ? null : 'Dr A',
  reviewedAt: null,
});
/** A PNG-like byte run big enough to need chunked base64 (over 0x8000 bytes). */
const pngOf = (seed: number, length = 40_000): Uint8Array => {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
};
const sameBytes = (a: Uint8Array | null, b: Uint8Array): boolean => a !== null && Buffer.from(a).equals(Buffer.from(b));
const keyImage = (sop: string, png: Uint8Array | null, over: Partial<KeyImage> = {}): KeyImage => ({
  seriesKey: '1.2.840.1.5',
  sopInstanceUid: sop,
  frame: 1,
  window: { center: 40, width: 400 },
  caption: '',
  png,
  view: 'stack',
  slice: { number: 3, count: 40 },
  ...over,
});

/** Version 3 with one AI caption (confirmed) and one key image. */
const stored = (): ReportVersion => {
  const v = version('Saved findings.', 'Saved impression.');
  return { ...v, content: { ...v.content, aiItems: [aiItem('cap', 'AI caption.', 'confirmed')], keyImages: [keyImage('1.2.840.1.5.1', pngOf(1))] } };
};
const editsOf = (v: ReportVersion): EditedContent => ({ findings: v.content.findings, impression: v.content.impression, aiItems: v.content.aiItems, keyImages: v.content.keyImages });

describe('recovery of everything unsaved', () => {
  it('base64 round-trips bytes longer than one chunk', () => {
    const bytes = pngOf(7);
    expect(sameBytes(fromBase64(toBase64(bytes)), bytes)).toBe(true);
  });

  it('keeps AI texts edited, inserted and removed, and key images added, re-captioned and removed, through storage', () => {
    const head = stored();
    const captured = pngOf(2);
    const edits: EditedContent = {
      ...editsOf(head),
      aiItems: [aiItem('cap', 'Edited by the reader.', 'confirmed'), aiItem('qa', 'A kept answer.')],
      keyImages: [{ ...head.content.keyImages[0], caption: 'the nodule' }, keyImage('1.2.840.1.5.2', captured, { view: 'sagittal', slice: { number: 120, count: 256 } })],
    };
    const storage = mapStorage();
    expect(keepEdits(storage, copy.studyKey, head, edits, copy.savedAt)).toBeNull();
    const read = readRecovery(storage, copy.studyKey);
    if (!read.ok || !read.copy) throw new Error('no copy read back');
    // The key image the version holds is not copied again; the new capture is.
    expect(read.copy.keyImages?.map((k) => [k.pngInVersion, k.pngBase64 !== null])).toEqual([[true, false], [false, true]]);
    expect(recoveryDiffers(read.copy, head)).toBe(true);
    expect(recoveryOffer(read.copy, head)).toBe('restore');
    const back = recoveredContent(read.copy, head);
    expect(back.aiItems.map((i) => i.text)).toEqual(['Edited by the reader.', 'A kept answer.']);
    expect(back.keyImages.map((k) => [k.view, k.slice?.number, k.caption])).toEqual([['stack', 3, 'the nodule'], ['sagittal', 120, '']]);
    expect(back.keyImages[0].png).toBe(head.content.keyImages[0].png);
    expect(sameBytes(back.keyImages[1].png, captured)).toBe(true);
    expect(recoveredChanges(read.copy, head)).toEqual(['2 AI texts', '2 key images']);
  });

  it('offers a copy whose only change is an AI item or a key image removed', () => {
    const head = stored();
    const noAi = recoveryCopyOf(copy.studyKey, head, { ...editsOf(head), aiItems: [] }, copy.savedAt);
    const noKeys = recoveryCopyOf(copy.studyKey, head, { ...editsOf(head), keyImages: [] }, copy.savedAt);
    expect(recoveryOffer(noAi, head)).toBe('restore');
    expect(recoveredChanges(noAi, head)).toEqual(['1 AI text']);
    expect(recoveryOffer(noKeys, head)).toBe('restore');
    expect(recoveredChanges(noKeys, head)).toEqual(['1 key image']);
    // A copy of exactly what is stored is not offered.
    expect(recoveryOffer(recoveryCopyOf(copy.studyKey, head, editsOf(head), copy.savedAt), head)).toBe('none');
  });

  it('reads a copy written before AI texts and key images were kept as text only (the version keeps its own)', () => {
    const head = stored();
    expect(recoveryOffer({ ...copy, findings: head.content.findings, impression: head.content.impression }, head)).toBe('none');
    const back = recoveredContent({ ...copy, findings: 'Newer.' }, head);
    expect(back.aiItems).toBe(head.content.aiItems);
    expect(back.keyImages).toBe(head.content.keyImages);
  });

  it('keeps the edits without the new pictures where the storage cannot take them (the key image stays, rendered at export)', () => {
    const map = new Map<string, string>();
    const small: RecoveryStorage = {
      getItem: (k) => map.get(k) ?? null,
      setItem: (k, v) => {
        if (v.length > 20_000) throw new Error('QuotaExceededError');
        map.set(k, v);
      },
      removeItem: (k) => void map.delete(k),
    };
    const head = stored();
    const edits = { ...editsOf(head), keyImages: [...head.content.keyImages, keyImage('1.2.840.1.5.9', pngOf(3))] };
    expect(keepEdits(small, copy.studyKey, head, edits, copy.savedAt)).toBeNull();
    const read = readRecovery(small, copy.studyKey);
    if (!read.ok || !read.copy) throw new Error('no copy read back');
    const back = recoveredContent(read.copy, head);
    expect(back.keyImages.map((k) => [k.sopInstanceUid, k.png === null])).toEqual([['1.2.840.1.5.1', false], ['1.2.840.1.5.9', true]]);
    // A storage that takes nothing at all: the reason, in words.
    const none: RecoveryStorage = { ...small, setItem: () => { throw new Error('QuotaExceededError'); } };
    expect(keepEdits(none, copy.studyKey, head, edits, copy.savedAt)).toContain('could not be written: QuotaExceededError');
  });
});

describe('key image PNGs under their own keys', () => {
  /** A storage that counts the writes of each key (a picture is written once, the copy on every call). */
  const countingStorage = () => {
    const storage = mapStorage();
    const writes = new Map<string, number>();
    const setItem = storage.setItem;
    storage.setItem = (k, v) => {
      writes.set(k, (writes.get(k) ?? 0) + 1);
      setItem(k, v);
    };
    return { storage, writes };
  };
  const pictureKeys = (storage: { map: Map<string, string> }) => [...storage.map.keys()].filter((k) => k.startsWith(`${recoveryKey(copy.studyKey)}.png.`));

  it('writes a new capture’s PNG once, apart from the copy, reads it back in, and removes it once the version holds it', () => {
    const { storage, writes } = countingStorage();
    const head = stored();
    const captured = pngOf(5);
    const edits: EditedContent = { ...editsOf(head), keyImages: [...head.content.keyImages, keyImage('1.2.840.1.5.7', captured)] };
    for (const findings of ['T', 'Ty', 'Typed']) expect(keepEdits(storage, copy.studyKey, head, { ...edits, findings }, copy.savedAt)).toBeNull();
    const [pictureKey] = pictureKeys(storage);
    expect(pictureKeys(storage)).toHaveLength(1);
    expect(writes.get(pictureKey)).toBe(1);
    expect(writes.get(recoveryKey(copy.studyKey))).toBe(3);
    // The copy names the picture and holds no PNG of its own: small whatever the pictures weigh.
    const raw = storage.map.get(recoveryKey(copy.studyKey))!;
    expect(raw).toContain(pictureKey);
    expect(raw.length).toBeLessThan(2_000);
    const read = readRecovery(storage, copy.studyKey);
    if (!read.ok || !read.copy) throw new Error('no copy read back');
    expect(read.copy.findings).toBe('Typed');
    const back = recoveredContent(read.copy, head);
    expect(sameBytes(back.keyImages[1].png, captured)).toBe(true);

    // Saved: the version holds the capture, so the next copy names no picture and its key is gone.
    const saved: ReportVersion = { ...head, number: 4, content: { ...head.content, keyImages: edits.keyImages } };
    expect(keepEdits(storage, copy.studyKey, saved, { ...edits, findings: 'Typed more' }, copy.savedAt)).toBeNull();
    expect(pictureKeys(storage)).toEqual([]);
  });

  it('removes a removed key image’s PNG, and every PNG with the copy (discarded or saved)', () => {
    const storage = mapStorage();
    const head = stored();
    const first = keyImage('1.2.840.1.5.7', pngOf(5));
    const second = keyImage('1.2.840.1.5.8', pngOf(6));
    const edits: EditedContent = { ...editsOf(head), keyImages: [first, second] };
    keepEdits(storage, copy.studyKey, head, edits, copy.savedAt);
    expect(pictureKeys(storage)).toHaveLength(2);
    keepEdits(storage, copy.studyKey, head, { ...edits, keyImages: [second] }, copy.savedAt);
    expect(pictureKeys(storage)).toHaveLength(1);
    removeRecovery(storage, copy.studyKey);
    expect([...storage.map.keys()]).toEqual([]);
    // Written again after the removal: the PNG is not taken as still there.
    keepEdits(storage, copy.studyKey, head, { ...edits, keyImages: [second] }, copy.savedAt);
    const read = readRecovery(storage, copy.studyKey);
    if (!read.ok || !read.copy) throw new Error('no copy read back');
    expect(sameBytes(recoveredContent(read.copy, head).keyImages[0].png, second.png!)).toBe(true);
  });

  it('reads only the study’s own picture keys, and base64 only: anything else leaves the key image without its PNG', () => {
    const storage = mapStorage();
    const head = stored();
    storage.map.set('elsewhere', toBase64(pngOf(9)));
    storage.map.set(`${recoveryKey(copy.studyKey)}.png.bad`, 'not base64!');
    const image = (pngKey: string) => ({ ...keyImage('1.2.840.1.5.7', null), pngBase64: null, pngKey, pngInVersion: false });
    const written: RecoveryCopy = { ...copy, keyImages: [image('elsewhere'), image(`${recoveryKey(copy.studyKey)}.png.bad`), image(`${recoveryKey(copy.studyKey)}.png.gone`)].map(({ png: _png, ...rest }) => rest) };
    writeRecovery(storage, written);
    const read = readRecovery(storage, copy.studyKey);
    if (!read.ok || !read.copy) throw new Error('no copy read back');
    expect(read.copy.keyImages?.map((k) => k.pngBase64)).toEqual([null, null, null]);
    expect(recoveredContent(read.copy, head).keyImages.map((k) => k.png)).toEqual([null, null, null]);
    // Removing the copy removes its own picture keys only.
    removeRecovery(storage, copy.studyKey);
    expect([...storage.map.keys()]).toEqual(['elsewhere']);
  });
});
