import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyStudy, type WrittenStudy } from '../core/catalog/test-fixtures';
import { niftiFile, segFile } from '../core/masks/mask-fixtures';
import { vesalius } from './test-run';

// A 4×4×3 series and two label maps on it: label 1 truth voxels 0..7, prediction 4..11 → IoU 4/12.
let tmp: string;
let home: string;
let study: WrittenStudy;
const labels = (from: number, to: number) => Array.from({ length: 48 }, (_, i) => (i >= from && i <= to ? 1 : 0));

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-cli-masks-'));
  home = path.join(tmp, 'home');
  study = await writeTinyStudy(path.join(tmp, 'scans', 'chest'), { patientName: 'Doe^Jane', patientId: 'P1', studyDate: '20200301', modality: 'CT', studyDescription: 'Chest' });
  writeFileSync(path.join(tmp, 'truth.nii'), niftiFile({ shape: [4, 4, 3], values: labels(0, 7), datatype: 'uint8' }));
  writeFileSync(path.join(tmp, 'pred.nii'), niftiFile({ shape: [4, 4, 3], values: labels(4, 11), datatype: 'uint8' }));
  const imported = await vesalius(['import', path.join(tmp, 'scans')], { VESALIUS_HOME: home });
  if (imported.code !== 0) throw new Error(imported.stderr);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('vesalius masks', () => {
  it('imports masks with provenance, lists them, and scores two stored ids', async () => {
    const env = { VESALIUS_HOME: home };
    const truth = await vesalius(['masks', 'import', path.join(tmp, 'truth.nii'), '--series', study.seriesUid, '--role', 'expert', '--author', 'Dr Rivera', '--json'], env);
    expect(truth.stderr).toBe('');
    expect(truth.code).toBe(0);
    const truthInfo = (JSON.parse(truth.stdout) as { opened: Array<{ maskSetId: string; provenance: unknown }> }).opened[0];
    expect(truthInfo.maskSetId).toMatch(/^seg-[0-9a-f]{16}$/);
    expect(truthInfo.provenance).toEqual({ role: 'expert', author: 'Dr Rivera', origin: { kind: 'file', path: path.join(tmp, 'truth.nii'), format: 'nifti' } });
    const pred = await vesalius(['masks', 'import', path.join(tmp, 'pred.nii'), '--series', study.seriesUid, '--role', 'model', '--json'], env);
    expect(pred.code).toBe(0);
    const predId = (JSON.parse(pred.stdout) as { opened: Array<{ maskSetId: string }> }).opened[0].maskSetId;

    const listed = await vesalius(['masks', 'list', '--series', study.seriesUid], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${truthInfo.maskSetId}  truth.nii`);
    expect(listed.stdout).toContain(`provenance: expert, Dr Rivera, from ${path.join(tmp, 'truth.nii')}`);
    expect(listed.stdout).toContain('version 1 of 1');

    const scored = await vesalius(['score', '--truth', truthInfo.maskSetId, '--pred', predId, '--json'], env);
    expect(scored.stderr).toBe('');
    expect(scored.code).toBe(0);
    const doc = JSON.parse(scored.stdout) as { miou: number; cases: Array<{ labels: Record<string, { iou: number }> }> };
    expect(doc.miou).toBeCloseTo(4 / 12, 10);
    expect(doc.cases[0].labels['1'].iou).toBeCloseTo(4 / 12, 10);
  });

  it('imports a DICOM SEG on the series it references, without --series', async () => {
    const env = { VESALIUS_HOME: home };
    const segSeries = '1.2.826.0.1.3680043.8.498.777';
    const seg = segFile({
      type: 'BINARY',
      rows: 2,
      columns: 2,
      segments: [{ number: 1, label: 'Nodule' }],
      frames: [{ segmentNumber: 1, zMm: 0, pixels: [1, 0, 0, 1] }],
      referencedSeriesUid: segSeries,
    });
    writeFileSync(path.join(tmp, 'nodule.dcm'), seg);
    const imported = await vesalius(['masks', 'import', path.join(tmp, 'nodule.dcm'), '--author', 'Dr Chen'], env);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const listed = await vesalius(['masks', 'list', '--series', segSeries, '--json'], env);
    const doc = JSON.parse(listed.stdout) as { maskSets: Array<{ name: string; seriesFrom: string; labels: Array<{ name: string; voxelCount: number }>; provenance: { role: string; author: string } }> };
    expect(doc.maskSets).toMatchObject([{ name: 'nodule.dcm', seriesFrom: 'file', labels: [{ name: 'Nodule', voxelCount: 2 }], provenance: { role: 'annotator', author: 'Dr Chen' } }]);
  });

  it('exits 1 for a file that cannot be imported and 2 on usage errors', async () => {
    const env = { VESALIUS_HOME: home };
    writeFileSync(path.join(tmp, 'junk.nii'), 'not a mask');
    const bad = await vesalius(['masks', 'import', path.join(tmp, 'junk.nii'), '--series', study.seriesUid], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('junk.nii');
    const unknownSeries = await vesalius(['masks', 'import', path.join(tmp, 'truth.nii'), '--series', '1.2.3.999'], env);
    expect(unknownSeries.code).toBe(1);
    expect(unknownSeries.stderr).toMatch(/series 1\.2\.3\.999 is not open/);
    expect((await vesalius(['masks', 'list'], env)).code).toBe(2);
    expect((await vesalius(['masks', 'import', 'x.nii', '--role', 'boss'], env)).code).toBe(2);
    expect((await vesalius(['masks', 'list', '--series', '../etc'], env)).code).toBe(2);
    expect((await vesalius(['score', '--truth', 'seg-0123456789abcdef', '--pred', path.join(tmp, 'pred.nii')], env)).code).toBe(2);
    const missing = await vesalius(['score', '--truth', 'seg-0123456789abcdef', '--pred', 'seg-fedcba9876543210'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/seg-0123456789abcdef: not in/);
  });
});
