import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyStudy, type WrittenStudy } from '../core/catalog/test-fixtures';
import type { Agreement } from '../core/contract/masks';
import { niftiFile } from '../core/masks/mask-fixtures';
import { vesalius } from './test-run';

// A 4×4×3 series (48 voxels) and three readers' label-1 masks: a = 0..11, b = 4..15, c = 8..19.
let tmp: string;
let home: string;
let study: WrittenStudy;
const ids: string[] = [];
const labels = (from: number, to: number) => Array.from({ length: 48 }, (_, i) => (i >= from && i <= to ? 1 : 0));

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-cli-agree-'));
  home = path.join(tmp, 'home');
  study = await writeTinyStudy(path.join(tmp, 'scans'), { patientName: 'Doe^Jane', patientId: 'P1', studyDate: '20200301', modality: 'CT', studyDescription: 'Chest' });
  const env = { VESALIUS_HOME: home };
  if ((await vesalius(['import', path.join(tmp, 'scans')], env)).code !== 0) throw new Error('import failed');
  for (const [name, from, to] of [['a', 0, 11], ['b', 4, 15], ['c', 8, 19]] as const) {
    const file = path.join(tmp, `${name}.nii`);
    writeFileSync(file, niftiFile({ shape: [4, 4, 3], values: labels(from, to), datatype: 'uint8' }));
    const opened = await vesalius(['masks', 'import', file, '--series', study.seriesUid, '--author', `reader ${name}`, '--json'], env);
    if (opened.code !== 0) throw new Error(opened.stderr);
    ids.push((JSON.parse(opened.stdout) as { opened: { maskSetId: string }[] }).opened[0].maskSetId);
  }
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('vesalius agree', () => {
  it('prints the pairwise matrices and saves the majority consensus once', async () => {
    const env = { VESALIUS_HOME: home };
    const run = await vesalius(['agree', '--series', study.seriesUid, '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as Agreement;
    expect(doc.segmentations.map((s) => s.maskSetId)).toEqual(ids);
    expect(doc.labels).toHaveLength(1);
    expect(doc.labels[0].voxelCounts).toEqual([12, 12, 12]);
    // a ∩ b = 4..11 (8), a ∪ b = 0..15 (16); a ∩ c = 8..11 (4), a ∪ c = 0..19 (20).
    expect(doc.labels[0].iou[0][1]).toBeCloseTo(8 / 16, 10);
    expect(doc.labels[0].iou[0][2]).toBeCloseTo(4 / 20, 10);
    expect(doc.labels[0].dice[1][2]).toBeCloseTo(16 / 24, 10);
    expect(doc.meanIou[2][0]).toBeCloseTo(4 / 20, 10);
    // Two of three mark 4..15.
    const consensus = doc.consensus!;
    expect(consensus.labels[0].voxelCount).toBe(12);
    expect(consensus.provenance.origin).toEqual({ kind: 'consensus', method: 'majority-vote', inputs: ids.map((id, i) => ({ id, version: 1, name: `${'abc'[i]}.nii` })) });

    const again = JSON.parse((await vesalius(['agree', '--series', study.seriesUid, '--json'], env)).stdout) as Agreement;
    expect(again.consensus!.maskSetId).toBe(consensus.maskSetId);
    // The consensus itself is not one of the readers compared next time.
    expect(again.segmentations).toHaveLength(3);

    const staple = JSON.parse((await vesalius(['agree', '--series', study.seriesUid, '--method', 'staple', '--json'], env)).stdout) as Agreement;
    expect(staple.consensus!.maskSetId).not.toBe(consensus.maskSetId);
    expect(staple.consensus!.name).toBe('Consensus of 3 (STAPLE)');
    expect(staple.consensus!.provenance.origin).toMatchObject({ kind: 'consensus', method: 'staple' });
    expect(staple.raterEstimates).toHaveLength(1);
    for (const p of staple.raterEstimates![0].sensitivity) expect(p).toBeGreaterThan(0);
    expect(doc.raterEstimates).toBeNull();

    const text = await vesalius(['agree', '--series', study.seriesUid, '--ids', `${ids[0]},${ids[1]}`, '--no-consensus'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('IoU');
    expect(text.stdout).toContain('0.5000');
    expect(text.stdout).not.toContain('Consensus');
  });

  it('says why when a series has too few segmentations, or a usage is wrong', async () => {
    const env = { VESALIUS_HOME: home };
    const none = await vesalius(['agree', '--series', '1.2.3.4'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('series 1.2.3.4 has 0 segmentations besides consensus ones; agreement needs at least two');
    const method = await vesalius(['agree', '--series', study.seriesUid, '--method', 'vote'], env);
    expect(method.code).toBe(2);
    expect(method.stderr).toContain("--method 'vote' is not 'majority' or 'staple'");
    const bad = await vesalius(['agree', '--series', '../etc'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--series '../etc' is not a series key");
    const missing = await vesalius(['agree', '--series', study.seriesUid, '--ids', `${ids[0]},seg-0000000000000000`], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('segmentation seg-0000000000000000 is not a segmentation of series');
  });
});
