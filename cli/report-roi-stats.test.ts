// The SR's ROI statistics come from the images' own modality values, decoded on a reader thread:
// on the CT phantom, an ellipse inside soft tissue and a rectangle inside a lung give exactly the
// phantom's HU (mean = min = max, SD 0) and the shapes' own areas. In process (runCli), not spawned.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { areaMm2, type MeasurementGeometry } from '../core/annotations/measurement';
import { PHANTOM_HU, phantomHuAt, writePhantomSeries } from '../core/fixtures/phantom';
import { newUid } from '../core/fixtures/dicom-writer';
import { ijkToWorld } from '../core/geometry/patient-space';
import { stackVolumeGeometry } from '../core/geometry/stack-geometry';
import type { Vec3 } from '../core/geometry/vec3';
import { StoreHandle } from '../core/store/store-handle';
import { runCli } from './main';
import { hasDciodvfy, dciodvfyErrors } from '../core/fixtures/dciodvfy';

const require = createRequire(import.meta.url);
const dcmjs = require('dcmjs') as {
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer): { dict: Record<string, unknown> } };
    DicomMetaDictionary: { naturalizeDataset(dict: Record<string, unknown>): Record<string, any> };
  };
};

if (!hasDciodvfy) console.warn('cli/report-roi-stats.test.ts: the dciodvfy check is skipped: dicom3tools is not installed (apt-get install -y dicom3tools)');

function readNatural(file: string): Record<string, any> {
  const bytes = readFileSync(file);
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).dict);
}

/** Each measurement group's tracking label → its NUMs, keyed by the statistic (Derivation) or the NUM's own concept. */
function groupNums(sr: Record<string, any>): Map<string, Record<string, { value: number; unit: string }>> {
  const groups = new Map<string, Record<string, { value: number; unit: string }>>();
  const measurements = (sr.ContentSequence as any[]).find((i) => i.ConceptNameCodeSequence?.[0]?.CodeValue === '126010');
  for (const group of measurements.ContentSequence as any[]) {
    const items = group.ContentSequence as any[];
    const label = items.find((i) => i.ConceptNameCodeSequence?.[0]?.CodeValue === '112039')?.TextValue as string;
    const nums: Record<string, { value: number; unit: string }> = {};
    for (const item of items.filter((i) => i.ValueType === 'NUM')) {
      const derivation = (item.ContentSequence as any[] | undefined)?.find((c) => c.ConceptNameCodeSequence?.[0]?.CodeValue === '121401');
      const name = (derivation?.ConceptCodeSequence?.[0]?.CodeMeaning ?? item.ConceptNameCodeSequence[0].CodeMeaning) as string;
      const measured = item.MeasuredValueSequence[0];
      nums[name] = { value: Number(measured.NumericValue), unit: measured.MeasurementUnitsCodeSequence[0].CodeValue };
    }
    groups.set(label, nums);
  }
  return groups;
}

// The phantom: 3 axial slices of 64 × 64 pixels (6 mm), measured on the middle one (z = 0).
const ROWS = 64;
const SLICES = 3;
let tmp: string;
let studyDir: string;
let shapes: [string, Extract<MeasurementGeometry, { kind: 'ellipse' | 'rectangle' }>, number][];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-report-roi-'));
  process.env.VESALIUS_HOME = path.join(tmp, 'home');
  studyDir = path.join(tmp, 'study');
  const seriesInstanceUid = newUid();
  const files = await writePhantomSeries(path.join(studyDir, 'ct'), { slices: SLICES, rows: ROWS, columns: ROWS, seriesInstanceUid });
  const middle = readNatural(files[1]);
  const placed = stackVolumeGeometry({ orientation: middle.ImageOrientationPatient, firstPositionMm: middle.ImagePositionPatient, lastPositionMm: middle.ImagePositionPatient, sliceCount: 1, pixelSpacingMm: middle.PixelSpacing });
  if (!placed.ok) throw new Error(placed.reason);
  const at = (i: number, j: number): [number, number, number] => [...ijkToWorld(placed.geometry, [i, j, 0] as Vec3)] as [number, number, number];
  // The pixels each shape can enclose lie in one tissue (checked against the phantom's own formula, at its smallest and largest lungs).
  const tissueOf = (iFrom: number, iTo: number, jFrom: number, jTo: number): number => {
    const found = new Set<number>();
    for (const lungScale of [0.75, 1]) {
      for (let j = jFrom; j <= jTo; j++) for (let i = iFrom; i <= iTo; i++) found.add(phantomHuAt(((i + 0.5) / ROWS) * 2 - 1, ((j + 0.5) / ROWS) * 2 - 1, lungScale));
    }
    if (found.size !== 1) throw new Error(`the fixture's ROI spans tissues ${[...found].join(', ')}`);
    return [...found][0];
  };
  shapes = [
    ['Soft tissue ellipse', { kind: 'ellipse', pointsMm: [at(31.5, 24), at(31.5, 32), at(29.5, 28), at(33.5, 28)] }, tissueOf(29, 34, 24, 32)],
    ['Lung rectangle', { kind: 'rectangle', pointsMm: [at(18, 28), at(21, 28), at(18, 32), at(21, 32)] }, tissueOf(18, 21, 28, 32)],
  ];
  expect(shapes.map((s) => s[2])).toEqual([PHANTOM_HU.softTissue, PHANTOM_HU.lung]);
  mkdirSync(process.env.VESALIUS_HOME, { recursive: true });
  const store = new StoreHandle(path.join(process.env.VESALIUS_HOME, 'annotations.db'));
  for (const [label, geometry] of shapes) {
    const saved = store.use((s) => s.saveMeasurement({ seriesKey: seriesInstanceUid, geometry, image: { sopInstanceUid: middle.SOPInstanceUID, frame: 1, sliceIndex: 1 }, label, author: 'dr lee' }));
    if (!saved.ok) throw new Error(saved.error.message);
  }
  store.close();
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('vesalius report --dicom: ROI statistics', () => {
  it("gives each ROI's mean, SD, min and max in HU from the decoded image and its area in mm², and the SR passes dciodvfy", async () => {
    const dicomDir = path.join(tmp, 'dicom');
    let stdout = '';
    let stderr = '';
    const code = await runCli(['report', studyDir, '--out', path.join(tmp, 'report.pdf'), '--dicom', dicomDir, '--json'], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { dicom: { files: { kind: string; path: string }[]; measurements: number; skipped: unknown[] } };
    expect(doc.dicom).toMatchObject({ measurements: 2, skipped: [] });
    const srPath = doc.dicom.files.find((f) => f.kind === 'sr')!.path;
    if (hasDciodvfy) {
      expect(dciodvfyErrors(srPath)).toEqual([]);
    }
    const groups = groupNums(readNatural(srPath));
    for (const [label, geometry, hu] of shapes) {
      const nums = groups.get(label)!;
      expect(nums, label).toEqual({
        Area: { value: expect.closeTo(areaMm2(geometry), 6), unit: 'mm2' },
        Mean: { value: hu, unit: "[hnsf'U]" },
        'Standard Deviation': { value: 0, unit: "[hnsf'U]" },
        Minimum: { value: hu, unit: "[hnsf'U]" },
        Maximum: { value: hu, unit: "[hnsf'U]" },
      });
    }
  }, 240_000);
});
