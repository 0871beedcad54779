// report.exportDicom through the real service (dispatch, catalog grants, reader threads, the store):
// the files the CLI's --dicom writes, from the app's call.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../contract/dispatch';
import type { CallName, CallResult } from '../contract/index';
import type { Result } from '../contract/result';
import { dciodvfyErrors, hasDciodvfy } from '../fixtures/dciodvfy';
import { encapsulatedDocument, readNaturalDicom, referencedSopInstanceUids } from '../fixtures/dicom-read';
import { testPlanes, writeSourceSeries } from '../masks/seg-writer.fixtures';
import { SEG_STORAGE_SOP_CLASS } from '../masks/seg-writer';
import { ENCAPSULATED_PDF_STORAGE } from '../report/dicom/encapsulated-pdf';
import { ENHANCED_SR_STORAGE } from '../report/dicom/measurement-sr';
import { ANNOTATION_DB_FILE } from '../store/annotation-store';
import { StoreHandle } from '../store/store-handle';
import { createAppService, type AppService } from './app-service';
import type { CallContext } from './context';
import { waitForJob } from './test-helpers';

const poppler = existsSync('/usr/bin/pdftotext');
if (!hasDciodvfy) console.warn('report-export-dicom.test.ts: dciodvfy checks skipped: apt-get install -y dicom3tools');

const ctx: CallContext = { transport: 'electron', caller: 'test' };
let tmp: string;
let service: AppService;
let studyKey: string;
let imageUid: string;

async function call<K extends CallName>(name: K, args: unknown): Promise<Result<CallResult<K>>> {
  return (await dispatch(service.handlers, name, args, ctx)) as Result<CallResult<K>>;
}
function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-export-dicom-'));
  const series = await writeSourceSeries(path.join(tmp, 'study', 'ct'), { columns: 8, rows: 6, slices: 4, ...testPlanes.axial });
  service = createAppService({ dataDir: null, transport: 'electron', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
  const imported = await waitForJob(service, value(await call('dicom.startImport', { paths: [path.join(tmp, 'study')], how: 'dialog' })).jobId);
  studyKey = imported.result!.studyKeys[0];
  const seriesKey = series.seriesInstanceUid;

  // A drawn segmentation with one filled slice, a length on image 2, and a draft report.
  const created = value(await call('masks.create', { seriesKey, name: 'liver', shape: [8, 6, 4], segments: [{ number: 1, label: 'liver', color: [200, 80, 60] }] }));
  value(await call('masks.saveSlices', { maskSetId: created.maskSetId, expectedHead: created.headVersion, edits: [{ segment: 1, z: 1, bits: new Uint8Array(6).fill(0xff) }] }));
  // Image 2 in the catalog's order; a length across it, on its plane.
  const image = service.catalog.series(seriesKey)!.series.instances[1];
  imageUid = image.sopInstanceUid;
  const [x, y, z] = image.imagePositionPatient!;
  value(await call('measurements.save', { seriesKey, geometry: { kind: 'length', pointsMm: [[x, y, z], [x + 3, y + 4, z]] }, image: { sopInstanceUid: imageUid, frame: 1, sliceIndex: 1 }, label: 'lesion' }));
  // The folder the person picked for exports (as the Electron dialog grants it).
  mkdirSync(path.join(tmp, 'granted'));
  service.catalog.grant([path.join(tmp, 'granted')], 'dialog');
  value(await call('report.saveDraft', { studyKey, expectedVersion: 0, content: { findings: 'Hypodense lesion in segment seven.', impression: 'Benign cyst.' } }));
}, 120_000);
afterAll(() => {
  service?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('report.exportDicom', () => {
  it('writes the Encapsulated PDF, the SEG and the SR into a granted folder; each passes dciodvfy; the SR references the image and the SEG', async () => {
    const outDir = path.join(tmp, 'granted', 'dicom');
    const written = value(await call('report.exportDicom', { studyKey, outDir }));
    expect(written).toMatchObject({ version: 1, state: 'draft', measurements: 1, skipped: [], pdf: null });
    const byKind = Object.fromEntries(written.files.map((f) => [f.kind, f]));
    expect(written.files.map((f) => path.basename(f.path)).sort()).toEqual(['liver.seg.dcm', 'measurements.sr.dcm', 'report.pdf.dcm']);
    expect([byKind['encapsulated-pdf'].sopClassUid, byKind.sr.sopClassUid, byKind.seg.sopClassUid]).toEqual([ENCAPSULATED_PDF_STORAGE, ENHANCED_SR_STORAGE, SEG_STORAGE_SOP_CLASS]);
    for (const f of written.files) {
      expect(path.dirname(f.path)).toBe(outDir);
      expect(statSync(f.path).size).toBe(f.bytes);
      const ds = readNaturalDicom(f.path);
      expect([ds.SOPClassUID, ds.SOPInstanceUID, ds.StudyInstanceUID]).toEqual([f.sopClassUid, f.sopInstanceUid, studyKey]);
      if (hasDciodvfy) expect({ file: path.basename(f.path), errors: dciodvfyErrors(f.path) }).toEqual({ file: path.basename(f.path), errors: [] });
    }
    expect([...referencedSopInstanceUids(readNaturalDicom(byKind.sr.path))].sort()).toEqual([byKind.seg.sopInstanceUid, imageUid].sort());

    // The encapsulated document is the report's PDF, its draft state printed.
    const pdf = readNaturalDicom(byKind['encapsulated-pdf'].path);
    const document = encapsulatedDocument(pdf);
    expect(document.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    if (poppler) {
      const text = execFileSync('pdftotext', ['-', '-'], { input: document }).toString('utf8');
      expect(text).toContain('Hypodense lesion in segment seven.');
      expect(text.toLowerCase()).toContain('draft');
    }
    // No partial files are left beside them.
    expect(readdirSync(outDir).filter((n) => n.endsWith('.partial'))).toEqual([]);
  }, 120_000);

  it('writes the same PDF to pdfOutPath as it encapsulates, and the export is in the audit of the report', async () => {
    const outDir = path.join(tmp, 'granted', 'with-pdf');
    const pdfOutPath = path.join(tmp, 'granted', 'report.pdf');
    const written = value(await call('report.exportDicom', { studyKey, outDir, pdfOutPath }));
    expect(written.pdf).toEqual({ path: pdfOutPath, bytes: statSync(pdfOutPath).size });
    const pdf = readNaturalDicom(written.files.find((f) => f.kind === 'encapsulated-pdf')!.path);
    const document = encapsulatedDocument(pdf);
    expect(document.equals(readFileSync(pdfOutPath))).toBe(true);

    const store = new StoreHandle(path.join(tmp, 'home', ANNOTATION_DB_FILE));
    const audit = store.use((s) => s.auditLog({ reportStudyKey: studyKey }));
    store.close();
    const exports = audit.ok ? audit.value.filter((e) => e.action === 'report-export').map((e) => e.detail.target) : [];
    expect(exports).toContain(`PDF ${pdfOutPath}`);
    expect(exports).toContain(`DICOM ${outDir}: liver.seg.dcm, measurements.sr.dcm, report.pdf.dcm`);
  }, 120_000);

  it('refuses a folder the user did not grant (nothing created) and a PDF path outside the grants (nothing written)', async () => {
    const outside = path.join(tmp, 'elsewhere', 'dicom');
    const refused = await call('report.exportDicom', { studyKey, outDir: outside });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('report.exportDicom:') } });
    expect(existsSync(outside)).toBe(false);
    const inside = path.join(tmp, 'granted', 'pdf-refused');
    const pdfRefused = await call('report.exportDicom', { studyKey, outDir: inside, pdfOutPath: path.join(tmp, 'elsewhere.pdf') });
    expect(pdfRefused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(existsSync(inside)).toBe(false);
  });

  it('refuses bad arguments by name', async () => {
    for (const args of [{ studyKey, outDir: '' }, { studyKey: 'not a uid', outDir: path.join(tmp, 'granted') }, { studyKey, outDir: path.join(tmp, 'granted'), extra: true }, { studyKey, outDir: path.join(tmp, 'granted'), version: 0 }, { studyKey }]) {
      const refused = await call('report.exportDicom', args);
      expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_arguments', message: expect.stringMatching(/^report\.exportDicom: /) } });
    }
  });

  it('names the file that could not be written and why', async () => {
    const outDir = path.join(tmp, 'granted', 'blocked');
    mkdirSync(path.join(outDir, 'measurements.sr.dcm', 'in-the-way'), { recursive: true });
    const failed = await call('report.exportDicom', { studyKey, outDir });
    expect(failed.ok).toBe(false);
    if (!failed.ok) {
      expect(failed.error.code).toBe('io_error');
      expect(failed.error.message).toContain(`cannot write ${path.join(outDir, 'measurements.sr.dcm')}: `);
    }
  }, 120_000);

  it('answers not_found for a study without a report', async () => {
    const none = await call('report.exportDicom', { studyKey: '1.2.826.0.1.3680043.8.498.777', outDir: path.join(tmp, 'granted', 'none') });
    expect(none).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
