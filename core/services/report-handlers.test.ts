import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { CatalogStudy } from '../contract/catalog';
import { dispatch } from '../contract/dispatch';
import type { Handlers } from '../contract/index';
import { err, ok, type Result } from '../contract/result';
import { scratchFolder } from '../fixtures/scratch-folder';
import { overlappingContent, testPlanes, writeSourceSeries } from '../masks/seg-writer.fixtures';
import type { ReportVersion } from '../report/model';
import type { RenderedFile } from '../sandbox/reader-tasks';
import { StoreHandle } from '../store/store-handle';
import type { CallContext } from './context';
import { createReportHandlers } from './report-handlers';

const scratch = scratchFolder('report-handlers');
const ctx: CallContext = { transport: 'direct', caller: 'test' };
const poppler = existsSync('/usr/bin/pdftotext');

function greyPng(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data.fill(128, 0, width * height);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 }));
}

async function setUp(opts: { renderFails?: boolean } = {}) {
  const series = await writeSourceSeries(path.join(mkdtempSync(path.join(scratch.path, 'series-')), 'ct'), { columns: 6, rows: 5, slices: 4, ...testPlanes.axial });
  const studyKey = '1.2.826.0.1.3680043.8.498.4242';
  const study: CatalogStudy = {
    patient: { patientId: 'PID-9', patientName: 'Roe^Richard', birthDate: '', sex: '', studies: [{ studyInstanceUid: studyKey, studyDate: '20260301', studyTime: '', description: 'CT abdomen', accessionNumber: 'ACC-55', series: [series] }] },
    missingBySeries: {},
  };
  const store = new StoreHandle(path.join(mkdtempSync(path.join(scratch.path, 'home-')), 'annotations.db'));
  const grantedRoot = mkdtempSync(path.join(scratch.path, 'granted-'));
  const rendered: string[] = [];
  const handlers = createReportHandlers({
    store,
    findStudy: (key) => (key === studyKey ? study : null),
    checkPath: (p) => (path.resolve(p).startsWith(grantedRoot + path.sep) ? ok(path.resolve(p)) : err('forbidden', `${p} is not a path you chose`)),
    renderFile: async (file, frames, window): Promise<RenderedFile> => {
      rendered.push(`${path.basename(file)}#${frames}@${window ? `${window.center}/${window.width}` : 'file'}`);
      if (opts.renderFails) return { ok: false, reason: 'pixel data truncated' };
      const applied = { frame: 1, numberOfFrames: 1, rows: 5, columns: 6, photometric: 'MONOCHROME2', transferSyntax: { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian' }, window: { center: 40, width: 400, source: 'file', function: 'LINEAR' }, rescale: null, modalityLut: null, inverted: false };
      return { ok: true, frames: [{ ok: true, frame: 1, png: greyPng(6, 5), applied }] } as unknown as RenderedFile;
    },
    defaultAuthor: 'tester',
    now: () => Date.parse('2026-03-02T12:00:00Z'),
  });
  const call = async <T>(name: string, args: unknown): Promise<Result<T>> => (await dispatch(handlers as unknown as Handlers<CallContext>, name, args, ctx)) as Result<T>;
  return { handlers, call, store, studyKey, series, grantedRoot, rendered };
}

const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

describe('report.* through dispatch', () => {
  it('draft with an AI caption, a measurement and a segmentation → confirm → sign → PDF; edits of the signed report are refused', async () => {
    const { call, store, studyKey, series, grantedRoot, rendered } = await setUp();
    const measured = store.use((s) => s.saveMeasurement({ seriesKey: series.seriesInstanceUid, geometry: { kind: 'length', pointsMm: [[0, 0, 0], [3, 4, 0]] }, image: { sopInstanceUid: series.instances[1].sopInstanceUid, frame: 1, sliceIndex: 1 }, label: 'lesion', author: 'dr lee' }));
    const segmented = store.use((s) => s.create({ seriesKey: series.seriesInstanceUid, name: 'drawn', provenance: { role: 'annotator', author: 'A', origin: { kind: 'drawn' } }, content: overlappingContent([6, 5, 4]), spacingMm: [0.8, 0.6, 2.5] }));
    if (!measured.ok || !segmented.ok) throw new Error('setup');

    const draft = value(
      await call<ReportVersion>('report.saveDraft', {
        studyKey,
        expectedVersion: 0,
        content: {
          // 肝臓 prints in the CJK fallback font; Thai ก is in no embedded font (printed as U+FFFD and reported).
          findings: 'Small hypodense lesion in segment VII. 肝臓 ก',
          aiItems: [{ id: 'cap', kind: 'caption', text: 'Axial CT of the abdomen.', model: { name: 'vesalius-vlm', version: '0.2.0' } }],
          keyImages: [{ seriesKey: series.seriesInstanceUid, sopInstanceUid: series.instances[2].sopInstanceUid, window: { center: 60, width: 350 }, caption: 'the lesion' }],
          measurementIds: [measured.value.id],
          segmentations: [{ segmentationId: segmented.value.id }],
        },
        author: 'dr lee',
      }),
    );
    expect(draft).toMatchObject({ number: 1, state: 'draft', content: { aiItems: [{ status: 'ai-draft' }] } });
    value(await call('report.confirmAiItem', { studyKey, expectedVersion: 1, itemId: 'cap', author: 'dr lee' }));
    const signed = value(await call<ReportVersion>('report.sign', { studyKey, expectedVersion: 2, signer: 'Dr Ada Lee' }));
    expect(signed).toMatchObject({ number: 3, state: 'final', signature: { signer: 'Dr Ada Lee' } });

    const locked = await call('report.saveDraft', { studyKey, expectedVersion: 3, content: { findings: 'changed' } });
    expect(locked.ok || locked.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/version 3 is final, signed by Dr Ada Lee .* and locked; amend it to change it/) });

    const out = path.join(grantedRoot, 'report.pdf');
    const exported = value(await call<{ path: string; version: number; keyImages: number; skippedKeyImages: unknown[]; missingCharacters: string[] }>('report.exportPdf', { studyKey, outPath: out }));
    expect(exported).toMatchObject({ path: out, version: 3, keyImages: 1, skippedKeyImages: [], missingCharacters: ['ก'] });
    expect(rendered).toEqual([`${path.basename(series.instances[2].path)}#1@60/350`]);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    if (poppler) {
      const text = execFileSync('/usr/bin/pdftotext', ['-layout', out, '-'], { encoding: 'utf8' });
      expect(text).toContain('Roe^Richard · Patient ID PID-9');
      expect(text).toContain('Small hypodense lesion in segment VII. 肝臓 \ufffd');
      expect(text).not.toContain('AI draft — not a diagnosis'); // confirmed
      expect(text).toContain('confirmed by dr lee');
      expect(text).toMatch(/lesion\s+length\s+5\.0 mm/);
      expect(text).toMatch(/the lesion · Series \d+ \(CT\) · image[\s\S]*W\/L 400\/40/); // the window the renderer applied (wrapped under the image)
      const voxels = overlappingContent([6, 5, 4]).masks.get(1)!.reduce((a, v) => a + v, 0);
      expect(text).toContain(((voxels * 0.8 * 0.6 * 2.5) / 1000).toFixed(2));
    }
    const audit = store.use((s) => s.auditLog({ reportStudyKey: studyKey }));
    expect(audit.ok && audit.value.map((e) => e.action)).toEqual(['report-save', 'report-ai-confirm', 'report-sign', 'report-export']);
  });

  it('refuses an ungranted path, an unknown study, a study without a report; lists key images it could not render', async () => {
    const { call, studyKey, series, grantedRoot } = await setUp({ renderFails: true });
    const elsewhere = path.join(scratch.path, 'elsewhere.pdf');
    const forbidden = await call('report.exportPdf', { studyKey, outPath: elsewhere });
    expect(forbidden.ok || forbidden.error).toMatchObject({ code: 'forbidden' });
    expect(existsSync(elsewhere)).toBe(false);
    const none = await call('report.exportPdf', { studyKey, outPath: path.join(grantedRoot, 'a.pdf') });
    expect(none.ok || none.error).toMatchObject({ code: 'not_found', message: expect.stringMatching(/has no report; save a draft first/) });
    const bad = await call('report.saveDraft', { studyKey, expectedVersion: 0, content: { keyImages: [{ seriesKey: 'x', sopInstanceUid: '1.2' }] } });
    expect(bad.ok || bad.error.code).toBe('invalid_arguments');

    value(await call('report.saveDraft', { studyKey, expectedVersion: 0, content: { findings: 'x' } }));
    const out = path.join(grantedRoot, 'b.pdf');
    const exported = value(await call<{ keyImages: number; skippedKeyImages: { reason: string }[] }>('report.exportPdf', { studyKey, outPath: out }));
    // No key images chosen: the middle image of the series was asked for, and its failure is listed.
    expect(exported.keyImages).toBe(0);
    expect(exported.skippedKeyImages).toEqual([{ sopInstanceUid: series.frames[2].sopInstanceUid, frame: 1, reason: `${series.instances.find((i) => i.sopInstanceUid === series.frames[2].sopInstanceUid)!.path}: pixel data truncated` }]);
    expect(existsSync(out)).toBe(true);

    const unknown = await call('report.exportPdf', { studyKey: '1.2.3.999', outPath: path.join(grantedRoot, 'c.pdf') });
    expect(unknown.ok || unknown.error.code).toBe('not_found');
    const versions = value(await call<{ versions: { number: number; supersededBy: number | null }[] }>('report.versions', { studyKey }));
    expect(versions.versions).toEqual([expect.objectContaining({ number: 1, supersededBy: null })]);
  });
});
