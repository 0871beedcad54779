import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { err, ok } from '../contract/result';
import type { MeasurementGeometry } from '../annotations/measurement';
import type { SegSource } from '../masks/seg-writer';
import { writeReportDicom, type ReportDicomDeps } from './report-dicom';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-report-dicom-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const PDF = new TextEncoder().encode('%PDF-1.4\n%%EOF\n');

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
    const written = await writeReportDicom(untouched((p) => err('forbidden', `${p}: not inside a folder you opened or granted`)), { studyKey: '1.2.3', pdf: PDF, pdfName: 'the test PDF', outDir });
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
    const written = await writeReportDicom(untouched((p) => ok(p)), { studyKey: '1.2.3', pdf: PDF, pdfName: 'the test PDF', outDir: file });
    expect(written.ok).toBe(false);
    if (!written.ok) expect(written.error).toMatchObject({ code: 'bad_input', message: `report DICOM of study 1.2.3: ${file} is a file; give a folder to write the DICOM files into` });
  });
});

describe('writeReportDicom: ROI statistics', () => {
  // One axial 4 × 4 image at z = 0 (1 mm pixels, first pixel centre at the origin) with two ROIs on it.
  const sopInstanceUid = '1.2.826.0.1.3680043.8.498.101';
  const seriesInstanceUid = '1.2.826.0.1.3680043.8.498.100';
  const source: SegSource = {
    description: 'test series',
    seriesInstanceUid,
    frameOfReferenceUid: '1.2.826.0.1.3680043.8.498.102',
    rows: 4,
    columns: 4,
    orientation: [1, 0, 0, 0, 1, 0],
    pixelSpacingMm: [1, 1],
    sliceThicknessMm: 1,
    frames: [{ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid, frameNumber: null, positionMm: [0, 0, 0] }],
    patientStudy: { PatientName: 'Test^Patient', PatientID: 'T1', StudyInstanceUID: '1.2.826.0.1.3680043.8.498.99' },
  };
  const rectangle: MeasurementGeometry = { kind: 'rectangle', pointsMm: [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]] };
  const ellipse: MeasurementGeometry = { kind: 'ellipse', pointsMm: [[1, 0, 0], [1, 2, 0], [0, 1, 0], [2, 1, 0]] };
  const measurement = (id: string, label: string, geometry: MeasurementGeometry) => ({ id, label, geometry, image: { sopInstanceUid, frame: 1, sliceIndex: 0 } });

  function depsWith(modalityFrame: ReportDicomDeps['modalityFrame']): ReportDicomDeps {
    const answers: Record<string, unknown> = {
      'catalog.study': { patient: { studies: [{ series: [{ seriesInstanceUid, modality: 'CT', instances: [{ sopInstanceUid, path: '/images/ct-1.dcm' }] }] }] } },
      'report.get': { report: null },
      'measurements.list': { measurements: [measurement('meas-0000000000000001', 'Square', rectangle), measurement('meas-0000000000000002', 'Round', ellipse)] },
      'masks.list': { maskSets: [] },
    };
    return {
      call: (async (name: string) => ok(answers[name])) as ReportDicomDeps['call'],
      patientStudy: async () => source.patientStudy,
      segSource: async () => source,
      modalityFrame,
      checkPath: (p) => ok(p),
    };
  }

  it('decodes the image once for both ROIs and writes the SR', async () => {
    const decodes: string[] = [];
    const written = await writeReportDicom(
      depsWith(async (file, frame) => {
        decodes.push(`${file}#${frame}`);
        return { ok: true, rows: 4, columns: 4, numberOfFrames: 1, values: Float32Array.from({ length: 16 }, (_, i) => i), rescale: { slope: 1, intercept: 0 }, modalityLut: false };
      }),
      { studyKey: source.patientStudy.StudyInstanceUID as string, pdf: PDF, pdfName: 'the test PDF', outDir: path.join(tmp, 'stats-ok') },
    );
    expect(written.ok && written.value).toMatchObject({ measurements: 2, skipped: [] });
    expect(decodes).toEqual(['/images/ct-1.dcm#1']);
  });

  it('keeps an ROI whose image cannot be decoded, with its area, and says why its statistics are missing', async () => {
    const written = await writeReportDicom(
      depsWith(async () => ({ ok: false, reason: 'the image is colour (RGB, 3 sample(s) per pixel): it has no modality values to give statistics of' })),
      { studyKey: source.patientStudy.StudyInstanceUID as string, pdf: PDF, pdfName: 'the test PDF', outDir: path.join(tmp, 'stats-missing') },
    );
    expect(written.ok).toBe(true);
    if (!written.ok) return;
    expect(written.value.measurements).toBe(2);
    expect(written.value.skipped).toEqual([
      { what: 'the statistics of measurement "Square" (meas-0000000000000001)', reason: '/images/ct-1.dcm: the image is colour (RGB, 3 sample(s) per pixel): it has no modality values to give statistics of' },
      { what: 'the statistics of measurement "Round" (meas-0000000000000002)', reason: '/images/ct-1.dcm: the image is colour (RGB, 3 sample(s) per pixel): it has no modality values to give statistics of' },
    ]);
  });
});
