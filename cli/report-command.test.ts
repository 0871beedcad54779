import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provenance } from '../core/annotations/model';
import type { Series } from '../core/contract/dicom';
import { encodeDicomSeg } from '../core/masks/seg-writer';
import { overlappingContent, testPlanes, writeSourceSeries } from '../core/masks/seg-writer.fixtures';
import { segSourceOfSeries } from '../core/masks/seg-writer-source';
import { csvField } from '../core/report/csv/csv';
import { StoreHandle } from '../core/store/store-handle';
import { vesalius } from './test-run';

const poppler = existsSync('/usr/bin/pdftotext') && existsSync('/usr/bin/pdfimages');
if (!poppler) console.warn('cli/report-command.test.ts: PDF text checks skipped: poppler-utils (pdftotext, pdfimages) is not installed: apt-get install -y poppler-utils');

// A generated study folder: one 10×8×6 CT series and two SEGs of it (an expert's and a model's, which misses half of segment 1).
let tmp: string;
let home: string;
let studyDir: string;
let series: Series;
const content = overlappingContent([10, 8, 6]);
const predicted = { ...content, masks: new Map([...content.masks].map(([n, m]) => [n, n === 1 ? m.map((v, i) => (i % 2 ? 0 : v)) : m])) };
const voxels = (mask: Uint8Array): number => mask.reduce((a, v) => a + v, 0);

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-cli-report-'));
  home = path.join(tmp, 'home');
  studyDir = path.join(tmp, 'study');
  series = await writeSourceSeries(path.join(studyDir, 'ct'), { columns: 10, rows: 8, slices: 6, ...testPlanes.axial });
  const source = await segSourceOfSeries(series);
  const expert: Provenance = { role: 'expert', author: 'E', origin: { kind: 'drawn' } };
  await writeFile(path.join(studyDir, 'expert-seg.dcm'), encodeDicomSeg({ source, content, provenance: expert, versionNumber: 1, name: 'expert' }).bytes);
  const model: Provenance = { role: 'model', author: 'M', origin: { kind: 'model', name: 'vesalius-seg', version: '1.0.0', prompt: null } };
  await writeFile(path.join(studyDir, 'model-seg.dcm'), encodeDicomSeg({ source, content: predicted, provenance: model, versionNumber: 1, name: 'model' }).bytes);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The one study's key in a home, as `vesalius studies` lists it. */
async function studyKeyOf(env: { VESALIUS_HOME: string }): Promise<string> {
  const listed = await vesalius(['studies', '--json'], env);
  return (JSON.parse(listed.stdout) as { studies: { studyKey: string }[] }).studies[0].studyKey;
}

const text = (pdf: string): string => execFileSync('/usr/bin/pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });

describe('vesalius report', () => {
  it('imports a study folder with its SEG, assembles a draft and writes the PDF with the automatic key image and segment volumes', async () => {
    const env = { VESALIUS_HOME: home };
    const out = path.join(tmp, 'report.pdf');
    const run = await vesalius(['report', studyDir, '--out', out, '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { studyKey: string; assembledDraft: boolean; path: string; version: number; state: string; keyImages: number };
    expect(doc).toMatchObject({ assembledDraft: true, path: out, version: 1, state: 'draft', keyImages: 1 });
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');

    const store = new StoreHandle(path.join(home, 'annotations.db'));
    const report = store.use((s) => s.reports.get(doc.studyKey));
    expect(report.ok && report.value?.content.segmentations).toHaveLength(2);
    expect(report.ok && report.value?.content.scores).toEqual([]); // no ground truth marked yet
    const audit = store.use((s) => s.auditLog({ reportStudyKey: doc.studyKey }));
    expect(audit.ok && audit.value.map((e) => e.action)).toEqual(['report-save', 'report-export']);
    store.close();

    if (poppler) {
      const pdf = text(out);
      expect(pdf).toContain('Segment^Tester · Patient ID SEG-TEST-1');
      expect(pdf).toContain('Accession ACC-7');
      expect(pdf).toContain('DRAFT — not signed');
      expect(pdf).toMatch(/automatic: middle image of the series/);
      expect(pdf).toMatch(/\s+CT\s+.*\s6\n/); // the series table: 6 images
      // Each segment's volume: voxels × 0.8 × 0.6 × 2.5 mm³ (the series' spacing).
      const count = voxels(content.masks.get(1)!);
      expect(pdf).toMatch(new RegExp(`1 ${content.segments[0].label}\\s+${((count * 0.8 * 0.6 * 2.5) / 1000).toFixed(2)}\\s+—\\s+${count}`));
      const images = execFileSync('/usr/bin/pdfimages', ['-list', out], { encoding: 'utf8' }).trim().split('\n').slice(2);
      expect(images).toHaveLength(1);
      expect(images[0]).toMatch(/\s10\s+8\s/);
    }
  }, 240_000);

  it('prints the version signed in the store by study key, AI notice and signer; an older version reads as superseded', async () => {
    const env = { VESALIUS_HOME: home };
    const studyKey = await studyKeyOf(env);
    const store = new StoreHandle(path.join(home, 'annotations.db'));
    const draft = store.use((s) => s.reports.get(studyKey));
    if (!draft.ok || !draft.value) throw new Error('no draft');
    const withText = store.use((s) =>
      s.reports.saveDraft(studyKey, { ...draft.value!.content, findings: 'Nodule unchanged.', aiItems: [{ id: 'c1', kind: 'caption', question: null, text: 'Axial CT slice.', model: { name: 'vesalius-vlm', version: '0.2.0' }, status: 'ai-draft', reviewedBy: null, reviewedAt: null }] }, { expectedVersion: 1, author: 'dr lee' }),
    );
    if (!withText.ok) throw new Error(withText.error.message);
    const signed = store.use((s) => s.reports.sign(studyKey, { expectedVersion: 2, author: 'Dr Ada Lee' }));
    if (!signed.ok) throw new Error(signed.error.message);
    store.close();

    const out = path.join(tmp, 'signed.pdf');
    const run = await vesalius(['report', studyKey, '--out', out], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/version 3 \(final\)/);
    const old = await vesalius(['report', studyKey, '--out', path.join(tmp, 'v1.pdf'), '--version', '1'], env);
    expect(old.code).toBe(0);
    if (poppler) {
      const pdf = text(out);
      expect(pdf).toContain('Nodule unchanged.');
      expect(pdf).toMatch(/AI draft — not a diagnosis \(model vesalius-vlm 0\.2\.0\)\s+Axial CT slice\./);
      expect(pdf).toContain('FINAL — signed by Dr Ada Lee');
      expect(text(path.join(tmp, 'v1.pdf'))).toContain('SUPERSEDED by version 2');
    }
  }, 240_000);

  it('scores the model against the ground truth where one is marked (Dice per segment in the PDF)', async () => {
    const env = { VESALIUS_HOME: path.join(tmp, 'home-scores') };
    expect((await vesalius(['import', path.join(studyDir, 'ct')], env)).code).toBe(0);
    const opened = await vesalius(['masks', 'import', path.join(studyDir, 'expert-seg.dcm'), '--role', 'expert', '--json'], env);
    const truthId = (JSON.parse(opened.stdout) as { opened: { maskSetId: string }[] }).opened[0].maskSetId;
    expect((await vesalius(['masks', 'import', path.join(studyDir, 'model-seg.dcm'), '--role', 'model'], env)).code).toBe(0);
    const store = new StoreHandle(path.join(env.VESALIUS_HOME, 'annotations.db'));
    expect(store.use((s) => s.markGroundTruth(truthId, 'dr lee')).ok).toBe(true);
    store.close();

    const out = path.join(tmp, 'scores.pdf');
    const csv = path.join(tmp, 'scores.csv');
    const run = await vesalius(['report', await studyKeyOf(env), '--out', out, '--csv', csv, '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The draft holds what masks.score answered; the PDF prints it.
    const { studyKey } = JSON.parse(run.stdout) as { studyKey: string };
    const reread = new StoreHandle(path.join(env.VESALIUS_HOME, 'annotations.db'));
    const stored = reread.use((s) => s.reports.get(studyKey));
    reread.close();
    const scores = stored.ok ? stored.value!.content.scores : [];
    const label = content.segments[0].label;
    const dice = scores.find((r) => r.label === label && r.metric === 'Dice')!;
    expect(dice).toMatchObject({ truth: 'expert-seg.dcm', prediction: 'model-seg.dcm' });
    expect(dice.value).toBeGreaterThan(0);
    expect(dice.value).toBeLessThan(1); // the model missed part of it
    if (poppler) expect(text(out)).toMatch(new RegExp(`expert-seg\\.dcm\\s+model-seg\\.dcm\\s+${label}\\s+Dice\\s+${dice.value!.toFixed(3)}`));
    // --csv: the same scores, one row each, at full precision.
    const lines = readFileSync(csv, 'utf8').split('\r\n');
    expect(lines[0]).toBe('study,report_version,truth,prediction,label,metric,value');
    expect(lines).toHaveLength(scores.length + 2); // header, rows, and the empty string after the last CRLF
    expect(lines).toContain(`${studyKey},1,expert-seg.dcm,model-seg.dcm,${csvField(label)},Dice,${dice.value}`);
  }, 240_000);

  it('refuses usage errors with exit 2 and an unknown study with exit 1', async () => {
    const env = { VESALIUS_HOME: home };
    expect((await vesalius(['report', studyDir], env)).code).toBe(2);
    const dicom = await vesalius(['report', studyDir, '--out', path.join(tmp, 'x.pdf'), '--dicom'], env);
    expect(dicom.code).toBe(2);
    expect(dicom.stderr).toMatch(/--dicom needs a value/);
    expect((await vesalius(['report', 'not/a/key', '--out', path.join(tmp, 'x.pdf')], env)).code).toBe(2);
    const unknown = await vesalius(['report', '1.2.3.999', '--out', path.join(tmp, 'x.pdf')], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no study '1\.2\.3\.999' in the catalog/);
  }, 240_000);
});
