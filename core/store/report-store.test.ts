import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open-database';
import { reportContentSchema, type ReportContentInput } from '../report/model';
import { AnnotationStore, type StoreResult } from './annotation-store';
import { storeMigrations } from './schema';
import { tempHome } from './test-helpers';

const STUDY = '1.2.826.0.1.3680043.8.498.77';
const homes: { remove: () => void }[] = [];
function openStore(): AnnotationStore {
  const home = tempHome();
  homes.push(home);
  let t = Date.parse('2026-03-01T08:00:00Z');
  return AnnotationStore.open(path.join(home.dir, 'annotations.db'), { now: () => (t += 1000) });
}
afterEach(() => {
  for (const h of homes.splice(0)) h.remove();
});

function value<T>(result: StoreResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}: ${result.error.message}`);
  return result.value;
}
function failure<T>(result: StoreResult<T>) {
  if (result.ok) throw new Error('expected a refusal, got ok');
  return result.error;
}

const model = { name: 'vesalius-vlm', version: '0.2.0' };
const content = (over: Partial<ReportContentInput> = {}) =>
  reportContentSchema.parse({
    findings: 'A 12 mm nodule in the right upper lobe.',
    impression: 'Indeterminate nodule.',
    aiItems: [
      { id: 'cap1', kind: 'caption', text: 'Axial CT of the chest.', model },
      { id: 'qa1', kind: 'answer', question: 'Is there an effusion?', text: 'No pleural effusion.', model },
    ],
    keyImages: [{ seriesKey: '1.2.3', sopInstanceUid: '1.2.3.4', frame: 1, window: { center: -600, width: 1500 }, png: Uint8Array.from([137, 80, 78, 71, 1, 2, 3]) }],
    ...over,
  });

describe('ReportStore: draft → final → amended', () => {
  it('keeps AI items marked until confirmed or edited, and records who', () => {
    const store = openStore();
    // A caller cannot smuggle a confirmation in through a save.
    const forged = content();
    forged.aiItems[0] = { ...forged.aiItems[0], status: 'confirmed', reviewedBy: 'nobody' };
    const v1 = value(store.reports.saveDraft(STUDY, forged, { expectedVersion: 0, author: 'dr lee' }));
    expect(v1).toMatchObject({ number: 1, edition: 1, state: 'draft', signature: null, supersededBy: null });
    expect(v1.content.aiItems.map((i) => [i.id, i.status, i.reviewedBy])).toEqual([['cap1', 'ai-draft', null], ['qa1', 'ai-draft', null]]);
    expect([...v1.content.keyImages[0].png!]).toEqual([137, 80, 78, 71, 1, 2, 3]);

    const v2 = value(store.reports.confirmAiItem(STUDY, 'cap1', { expectedVersion: 1, author: 'dr lee' }));
    expect(v2.content.aiItems.map((i) => [i.id, i.status, i.reviewedBy])).toEqual([['cap1', 'confirmed', 'dr lee'], ['qa1', 'ai-draft', null]]);

    // Saving the same text keeps the mark; editing the text clears it and names the editor.
    const same = value(store.reports.saveDraft(STUDY, v2.content, { expectedVersion: 2, author: 'dr kim' }));
    expect(same.content.aiItems[1].status).toBe('ai-draft');
    const edited = structuredClone(same.content);
    edited.aiItems[1].text = 'No effusion; small pericardial fluid.';
    const v4 = value(store.reports.saveDraft(STUDY, edited, { expectedVersion: 3, author: 'dr kim' }));
    expect(v4.content.aiItems[1]).toMatchObject({ status: 'edited', reviewedBy: 'dr kim', text: 'No effusion; small pericardial fluid.' });
    expect(v4.content.aiItems[0]).toMatchObject({ status: 'confirmed', reviewedBy: 'dr lee' });

    expect(failure(store.reports.confirmAiItem(STUDY, 'nope', { expectedVersion: 4, author: 'dr lee' })).kind).toBe('not_found');
    const stale = failure(store.reports.saveDraft(STUDY, v4.content, { expectedVersion: 2, author: 'dr lee' }));
    expect(stale.kind).toBe('conflict');
    expect(stale.message).toMatch(/made on version 2, but version 4 was saved since .* by dr kim/);
    store.close();
  });

  it('signs, refuses every change to the signed report, amends as a new version and keeps the old one readable', () => {
    const store = openStore();
    value(store.reports.saveDraft(STUDY, content(), { expectedVersion: 0, author: 'dr lee' }));
    const signed = value(store.reports.sign(STUDY, { expectedVersion: 1, author: 'Dr Ada Lee' }));
    expect(signed).toMatchObject({ number: 2, state: 'final', signature: { signer: 'Dr Ada Lee', signedAt: '2026-03-01T08:00:02.000Z' } });

    for (const refused of [
      store.reports.saveDraft(STUDY, content({ findings: 'changed' }), { expectedVersion: 2, author: 'dr lee' }),
      store.reports.confirmAiItem(STUDY, 'cap1', { expectedVersion: 2, author: 'dr lee' }),
      store.reports.sign(STUDY, { expectedVersion: 2, author: 'dr lee' }),
    ]) {
      const error = failure(refused);
      expect(error.message).toMatch(/version 2 is final, signed by Dr Ada Lee on 2026-03-01T08:00:02.000Z, and locked; amend it/);
    }
    // Not even a direct UPDATE gets past the table.
    expect(() => store.db.prepare("UPDATE report_versions SET content_json = '{}'").run()).toThrow(/never changed/);
    expect(failure(store.reports.amend(STUDY, { expectedVersion: 1, author: 'dr lee', reason: 'x' })).kind).toBe('conflict');

    const amendment = value(store.reports.amend(STUDY, { expectedVersion: 2, author: 'dr lee', reason: 'size corrected' }));
    expect(amendment).toMatchObject({ number: 3, edition: 2, state: 'draft', note: 'size corrected' });
    const changed = value(store.reports.saveDraft(STUDY, { ...amendment.content, findings: 'A 14 mm nodule in the right upper lobe.' }, { expectedVersion: 3, author: 'dr lee' }));
    const amended = value(store.reports.sign(STUDY, { expectedVersion: changed.number, author: 'Dr Ada Lee' }));
    expect(amended).toMatchObject({ number: 5, edition: 2, state: 'amended', supersededBy: null });

    const old = value(store.reports.get(STUDY, 2))!;
    expect(old).toMatchObject({ state: 'final', supersededBy: 3, content: { findings: 'A 12 mm nodule in the right upper lobe.' } });
    expect(value(store.reports.get(STUDY))!.content.findings).toBe('A 14 mm nodule in the right upper lobe.');
    expect(value(store.reports.versions(STUDY)).map((v) => [v.number, v.state, v.supersededBy])).toEqual([
      [1, 'draft', 2], [2, 'final', 3], [3, 'draft', 4], [4, 'draft', 5], [5, 'amended', null],
    ]);
    // A signed amendment can be amended again; an unsigned draft cannot be amended.
    expect(value(store.reports.amend(STUDY, { expectedVersion: 5, author: 'x', reason: 'second' })).edition).toBe(3);
    expect(failure(store.reports.amend(STUDY, { expectedVersion: 6, author: 'x', reason: 'third' })).message).toMatch(/is a draft, not signed/);

    value(store.reports.recordExport(STUDY, 5, 'dr lee', '/tmp/r.pdf'));
    const log = value(store.auditLog({ reportStudyKey: STUDY }));
    expect(log.map((e) => [e.action, e.versionNumber])).toEqual([
      ['report-save', 1], ['report-sign', 2], ['report-amend', 3], ['report-save', 4], ['report-sign', 5], ['report-amend', 6], ['report-export', 5],
    ]);
    expect(log[1]).toMatchObject({ actor: 'Dr Ada Lee', reportStudyKey: STUDY, detail: { state: 'final', aiDraftsLeft: 2 } });
    store.close();
  });

  it('audits AI confirmations and edits; a study without a report reads as null', () => {
    const store = openStore();
    expect(value(store.reports.get(STUDY))).toBeNull();
    expect(value(store.reports.versions(STUDY))).toEqual([]);
    const v1 = value(store.reports.saveDraft(STUDY, content(), { expectedVersion: 0, author: 'a' }));
    value(store.reports.confirmAiItem(STUDY, 'qa1', { expectedVersion: 1, author: 'b' }));
    const edited = structuredClone(v1.content);
    edited.aiItems[0].text = 'Coronal CT.';
    value(store.reports.saveDraft(STUDY, edited, { expectedVersion: 2, author: 'c' }));
    const actions = value(store.auditLog({ reportStudyKey: STUDY })).map((e) => [e.action, e.actor, e.detail.itemId ?? null]);
    expect(actions).toEqual([['report-save', 'a', null], ['report-ai-confirm', 'b', 'qa1'], ['report-save', 'c', null], ['report-ai-edit', 'c', 'cap1']]);
    expect(failure(store.reports.saveDraft(STUDY, content({ aiItems: [{ id: 'x', kind: 'answer', text: 't', model }] }), { expectedVersion: 3, author: 'a' })).message).toMatch(/answer without its question/);
    store.close();
  });

  it('opens a schema-3 store: old audit rows name no report, and reports work', () => {
    const home = tempHome();
    homes.push(home);
    const file = path.join(home.dir, 'annotations.db');
    const old = openDatabase(file, { migrations: storeMigrations.slice(0, 3), synchronous: 'FULL' });
    old.prepare("INSERT INTO audit_log (at, actor, action, series_key) VALUES (1000, 'dr old', 'measurement-create', '1.2.3')").run();
    old.close();
    const store = AnnotationStore.open(file);
    expect(value(store.auditLog())[0]).toMatchObject({ action: 'measurement-create', reportStudyKey: null });
    expect(value(store.reports.saveDraft(STUDY, content(), { expectedVersion: 0, author: 'a' })).number).toBe(1);
    store.close();
  });
});
