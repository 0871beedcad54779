import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provenance } from '../core/annotations/model';
import type { MeasurementGeometry } from '../core/annotations/measurement';
import { ijkToWorld } from '../core/geometry/patient-space';
import { stackVolumeGeometry } from '../core/geometry/stack-geometry';
import type { Vec3 } from '../core/geometry/vec3';
import { encodeDicomSeg, type SegSource } from '../core/masks/seg-writer';
import { overlappingContent, testPlanes, writeSourceSeries } from '../core/masks/seg-writer.fixtures';
import { segSourceOfSeries } from '../core/masks/seg-writer-source';
import { StoreHandle } from '../core/store/store-handle';
import { vesalius } from './test-run';
import { hasDciodvfy, dciodvfyErrors } from '../core/fixtures/dciodvfy';
import { encapsulatedDocument, readNaturalDicom, referencedSopInstanceUids } from '../core/fixtures/dicom-read';


if (!hasDciodvfy) console.warn('cli/report-dicom.test.ts: dciodvfy checks skipped: dicom3tools is not installed: apt-get install -y dicom3tools');


/** The values of every NUM item named by this concept code, anywhere in the content tree. */
function numValues(node: unknown, codeValue: string, into: number[] = []): number[] {
  if (Array.isArray(node)) for (const item of node) numValues(item, codeValue, into);
  else if (node && typeof node === 'object') {
    const item = node as Record<string, any>;
    if (item.ValueType === 'NUM' && item.ConceptNameCodeSequence?.[0]?.CodeValue === codeValue) into.push(Number(item.MeasuredValueSequence[0].NumericValue));
    for (const value of Object.values(item)) if (typeof value === 'object') numValues(value, codeValue, into);
  }
  return into;
}


// A generated study folder: one 10×8×6 CT series and two SEGs of it (an expert's and a model's); two measurements on image 2.
let tmp: string;
let home: string;
let studyDir: string;
let source: SegSource;
const content = overlappingContent([10, 8, 6]);
const voxels = (mask: Uint8Array): number => mask.reduce((a, v) => a + v, 0);

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-cli-report-dicom-'));
  home = path.join(tmp, 'home');
  studyDir = path.join(tmp, 'study');
  const series = await writeSourceSeries(path.join(studyDir, 'ct'), { columns: 10, rows: 8, slices: 6, ...testPlanes.axial });
  source = await segSourceOfSeries(series);
  const expert: Provenance = { role: 'expert', author: 'E', origin: { kind: 'drawn' } };
  await writeFile(path.join(studyDir, 'expert.dcm'), encodeDicomSeg({ source, content, provenance: expert, versionNumber: 1, name: 'expert' }).bytes);
  const model: Provenance = { role: 'model', author: 'M', origin: { kind: 'model', name: 'vesalius-seg', version: '1.0.0', prompt: null } };
  await writeFile(path.join(studyDir, 'model.dcm'), encodeDicomSeg({ source, content, provenance: model, versionNumber: 1, name: 'model' }).bytes);

  // Measurements drawn on image 2, stored before the import as the app would have them.
  const frame = source.frames[2];
  const placed = stackVolumeGeometry({ orientation: source.orientation, firstPositionMm: frame.positionMm, lastPositionMm: frame.positionMm, sliceCount: 1, pixelSpacingMm: source.pixelSpacingMm });
  if (!placed.ok) throw new Error(placed.reason);
  const at = (i: number, j: number): [number, number, number] => [...ijkToWorld(placed.geometry, [i, j, 0] as Vec3)] as [number, number, number];
  const shapes: [string, MeasurementGeometry][] = [
    ['Lesion length', { kind: 'length', pointsMm: [at(1, 1), at(6, 5)] }],
    ['Ellipse ROI', { kind: 'ellipse', pointsMm: [at(4, 1), at(4, 6), at(2, 3), at(7, 3)] }],
  ];
  mkdirSync(home, { recursive: true });
  const store = new StoreHandle(path.join(home, 'annotations.db'));
  for (const [label, geometry] of shapes) {
    const saved = store.use((s) => s.saveMeasurement({ seriesKey: series.seriesInstanceUid, geometry, image: { sopInstanceUid: frame.sopInstanceUid, frame: 1, sliceIndex: 2 }, label, author: 'dr lee' }));
    if (!saved.ok) throw new Error(saved.error.message);
  }
  // A segmentation with no voxels: no SEG for it, nothing of it in the SR.
  const empty = store.use((s) =>
    s.create({ seriesKey: series.seriesInstanceUid, name: 'empty', provenance: { role: 'annotator', author: 'A', origin: { kind: 'drawn' } }, content: { shape: [10, 8, 6], segments: [{ number: 1, label: 'nothing', color: [255, 0, 0] }], masks: new Map([[1, new Uint8Array(480)]]) }, spacingMm: [0.8, 0.6, 2.5] }),
  );
  if (!empty.ok) throw new Error(empty.error.message);
  store.close();
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface DicomFile {
  kind: 'encapsulated-pdf' | 'sr' | 'seg';
  path: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

describe('vesalius report --dicom', () => {
  it('writes the Encapsulated PDF, one SEG per stored segmentation and the SR referencing the images and those SEGs', async () => {
    const out = path.join(tmp, 'report.pdf');
    const dicomDir = path.join(tmp, 'dicom-out', 'new'); // created on the way
    const run = await vesalius(['report', studyDir, '--out', out, '--dicom', dicomDir, '--json'], { VESALIUS_HOME: home });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { dicom: { files: DicomFile[]; measurements: number; skipped: unknown[] } };
    expect(doc.dicom.measurements).toBe(2);
    expect(doc.dicom.skipped).toEqual([]);
    const files = doc.dicom.files;
    expect(files.map((f) => path.basename(f.path)).sort()).toEqual(['expert.seg.dcm', 'measurements.sr.dcm', 'model.seg.dcm', 'report.pdf.dcm']);
    for (const f of files) {
      expect(path.dirname(f.path)).toBe(dicomDir);
      const ds = readNaturalDicom(f.path);
      expect(ds.SOPInstanceUID).toBe(f.sopInstanceUid);
      expect(ds.SeriesInstanceUID).toBe(f.seriesInstanceUid);
      if (hasDciodvfy) expect({ file: path.basename(f.path), errors: dciodvfyErrors(f.path) }).toEqual({ file: path.basename(f.path), errors: [] });
    }

    // The Encapsulated PDF's document is the PDF written with --out, byte for byte.
    const pdf = readNaturalDicom(files.find((f) => f.kind === 'encapsulated-pdf')!.path);
    const pdfBytes = readFileSync(out);
    expect(pdf.EncapsulatedDocumentLength).toBe(pdfBytes.length);
    expect(encapsulatedDocument(pdf).equals(pdfBytes)).toBe(true);

    // The SR references exactly the SEGs written beside it and the image measured on.
    const sr = readNaturalDicom(files.find((f) => f.kind === 'sr')!.path);
    const segUids = files.filter((f) => f.kind === 'seg').map((f) => f.sopInstanceUid);
    expect([...referencedSopInstanceUids(sr)].sort()).toEqual([...segUids, source.frames[2].sopInstanceUid].sort());
    expect(sr.StudyInstanceUID).toBe(source.patientStudy.StudyInstanceUID);
    // Each SEG segment's volume: voxels × 0.8 × 0.6 × 2.5 mm³ (the series' spacing), for both SEGs.
    const volumes = content.segments.map((segment) => (voxels(content.masks.get(segment.number)!) * 0.8 * 0.6 * 2.5) / 1000);
    expect(numValues(sr.ContentSequence, '118565006').map((v) => v.toFixed(4)).sort()).toEqual([...volumes, ...volumes].map((v) => v.toFixed(4)).sort());
    expect(numValues(sr.ContentSequence, '410668003')).toHaveLength(1); // the length measurement
    expect(numValues(sr.ContentSequence, '42798000')).toHaveLength(1); // the ellipse's area
    expect(numValues(sr.ContentSequence, '112031')).toHaveLength(4); // its mean, SD, min and max (HU), from the decoded image
    expect(pdf.StudyInstanceUID).toBe(source.patientStudy.StudyInstanceUID);
  }, 240_000);

  it('refuses a --dicom folder inside the input folder (exit 2) and a --dicom path that is a file (exit 1)', async () => {
    const inside = await vesalius(['report', studyDir, '--out', path.join(tmp, 'x.pdf'), '--dicom', path.join(studyDir, 'out')], { VESALIUS_HOME: home });
    expect(inside.code).toBe(2);
    expect(inside.stderr).toMatch(/--dicom .* is inside the input folder/);
    const listed = await vesalius(['studies', '--json'], { VESALIUS_HOME: home });
    const studyKey = (JSON.parse(listed.stdout) as { studies: { studyKey: string }[] }).studies[0].studyKey;
    const file = path.join(tmp, 'report.pdf');
    const onFile = await vesalius(['report', studyKey, '--out', path.join(tmp, 'y.pdf'), '--dicom', file], { VESALIUS_HOME: home });
    expect(onFile.code).toBe(1);
    expect(onFile.stderr).toMatch(/report\.pdf is a file; give a folder/);
  }, 240_000);
});
