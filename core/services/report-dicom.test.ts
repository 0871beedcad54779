import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { err, ok } from '../contract/result';
import { writeReportDicom, type ReportDicomDeps } from './report-dicom';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-report-dicom-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Deps that fail the test if the service gets as far as reading the study. */
const untouched = (checkPath: ReportDicomDeps['checkPath']): ReportDicomDeps => ({
  call: async (name) => {
    throw new Error(`unexpected call ${name}`);
  },
  patientStudy: async () => {
    throw new Error('unexpected header read');
  },
  segSource: async () => {
    throw new Error('unexpected header read');
  },
  modalityFrame: async () => {
    throw new Error('unexpected pixel read');
  },
  checkPath,
});

describe('writeReportDicom', () => {
  it('refuses a folder the user did not grant, before reading or creating anything', async () => {
    const outDir = path.join(tmp, 'not-granted');
    const written = await writeReportDicom(untouched((p) => err('forbidden', `${p}: not inside a folder you opened or granted`)), { studyKey: '1.2.3', pdfPath: path.join(tmp, 'r.pdf'), outDir });
    expect(written.ok).toBe(false);
    if (!written.ok) {
      expect(written.error.code).toBe('forbidden');
      expect(written.error.message).toContain(`report DICOM of study 1.2.3: ${outDir}: not inside a folder`);
    }
    expect(existsSync(outDir)).toBe(false);
  });

  it('refuses an output path that is a file', async () => {
    const file = path.join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const written = await writeReportDicom(untouched((p) => ok(p)), { studyKey: '1.2.3', pdfPath: path.join(tmp, 'r.pdf'), outDir: file });
    expect(written.ok).toBe(false);
    if (!written.ok) expect(written.error).toMatchObject({ code: 'bad_input', message: `report DICOM of study 1.2.3: ${file} is a file; give a folder to write the DICOM files into` });
  });
});
