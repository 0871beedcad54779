import { describe, expect, it } from 'vitest';
import { emptyReportContent, type ReportVersion } from '../../../core/report/model';
import { parseRecovery, readRecovery, recoveryDiffers, recoveryKey, recoveryOffer, removeRecovery, serialiseRecovery, writeRecovery, type RecoveryCopy, type RecoveryStorage } from './reportRecovery';

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
