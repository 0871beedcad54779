import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segFile, labelPng, niftiFile, type SegFixture } from './mask-fixtures';
import { decodeMask } from './read-mask';
import { scoreMaskFiles, scoreMaskFolders, scoreMaskSets } from './score-pairs';

const frame = (...ones: number[]): number[] => Array.from({ length: 6 }, (_, i) => (ones.includes(i) ? 1 : 0));
// Segment 2 lies inside segment 1 on two voxels.
const truthSeg: SegFixture = {
  type: 'BINARY',
  rows: 2,
  columns: 3,
  segments: [
    { number: 1, label: 'organ' },
    { number: 2, label: 'lesion' },
  ],
  frames: [
    { segmentNumber: 1, zMm: 0, pixels: frame(0, 1, 2, 3) },
    { segmentNumber: 2, zMm: 0, pixels: frame(1, 2) },
  ],
};

describe('scoreMaskSets', () => {
  it('scores SEG against SEG per segment, so voxels in overlapping segments count for each', () => {
    const truth = decodeMask(segFile(truthSeg), 'truth.dcm');
    // The prediction finds the organ exactly and misses the lesion.
    const pred = decodeMask(segFile({ ...truthSeg, frames: [truthSeg.frames[0], { segmentNumber: 2, zMm: 0, pixels: frame() }] }), 'pred.dcm');
    expect(truth.overlapVoxelCount).toBe(2);
    const score = scoreMaskSets(truth, pred, { emptyRule: 'one' });
    expect(score.labels.map((l) => [l.label, l.iou, l.tp, l.fp, l.fn])).toEqual([
      [1, 1, 4, 0, 0],
      [2, 0, 0, 0, 2],
    ]);
    expect(score.miou).toBe(0.5);
    expect(score.meanDice).toBe(0.5);
    expect(score.name).toBe('truth.dcm');
  });

  it('aligns two SEGs that store different slices of one series by slice position, not by index', () => {
    const one = (zMm: number, ...ones: number[]) => ({ segmentNumber: 1, zMm, pixels: frame(...ones) });
    const base = { type: 'BINARY' as const, rows: 2, columns: 3, segments: [{ number: 1, label: 'organ' }] };
    // Both hold two slices, but the truth's are at z 0 and 2 and the prediction's at z 2 and 4.
    const truth = decodeMask(segFile({ ...base, frames: [one(0, 0, 1), one(2, 0, 1, 2)] }), 't.dcm');
    const pred = decodeMask(segFile({ ...base, frames: [one(2, 0, 1, 2), one(4, 5)] }), 'p.dcm');
    const [label] = scoreMaskSets(truth, pred, { emptyRule: 'one' }).labels;
    // z 2 matches exactly (3 voxels); truth's z 0 (2 voxels) is missed; prediction's z 4 (1 voxel) is extra.
    expect([label.tp, label.fn, label.fp]).toEqual([3, 2, 1]);
    expect(label.iou).toBe(0.5);
  });

  it('compares label maps across formats (PNG truth, NIfTI prediction)', () => {
    const truth = decodeMask(labelPng(2, 2, [1, 1, 0, 7]), 't.png');
    const pred = decodeMask(niftiFile({ shape: [2, 2, 1], values: [1, 0, 0, 7], datatype: 'uint8' }), 'p.nii');
    const score = scoreMaskSets(truth, pred, { emptyRule: 'one' });
    expect(score.labels.map((l) => [l.label, l.iou])).toEqual([
      [1, 0.5],
      [7, 1],
    ]);
    expect(score.miou).toBe(0.75);
  });

  it('a SEG pair with no foreground on either side follows the empty rule', () => {
    const empty = decodeMask(segFile({ ...truthSeg, frames: [{ segmentNumber: 1, zMm: 0, pixels: frame() }] }), 'e.dcm');
    expect(scoreMaskSets(empty, empty, { emptyRule: 'one' }).miou).toBe(1);
    expect(scoreMaskSets(empty, empty, { emptyRule: 'skip' }).miou).toBeNull();
  });
});

describe('scoring files and folders', () => {
  let root: string;
  const write = async (rel: string, bytes: Uint8Array) => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), bytes);
  };
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vesalius-score-'));
    await write('truth/a.png', labelPng(2, 2, [1, 1, 0, 7]));
    await write('pred/a.nii.gz', niftiFile({ shape: [2, 2, 1], values: [1, 0, 0, 7], datatype: 'uint8', gzip: true }));
    await write('truth/wide.png', labelPng(2, 2, [1, 0, 0, 0]));
    await write('pred/wide.png', labelPng(3, 1, [1, 0, 0]));
    await write('truth/only.png', labelPng(1, 1, [1]));
    await write('pred/extra.png', labelPng(1, 1, [1]));
    await write('truth/broken.png', new TextEncoder().encode('not an image'));
    await write('pred/broken.png', labelPng(1, 1, [1]));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('a shape mismatch names both files and both shapes', async () => {
    const truthPath = path.join(root, 'truth/wide.png');
    const predPath = path.join(root, 'pred/wide.png');
    const error = await scoreMaskFiles(truthPath, predPath, { emptyRule: 'one' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(truthPath);
    expect((error as Error).message).toContain(predPath);
    expect((error as Error).message).toMatch(/2×2×1.*3×1×1/);
  });

  it('scores a dataset, reports progress, failures and unpaired files', async () => {
    const progress: string[] = [];
    const result = await scoreMaskFolders(path.join(root, 'truth'), path.join(root, 'pred'), {
      emptyRule: 'one',
      onProgress: (done, total, key) => progress.push(`${done}/${total} ${key}`),
    });
    expect(progress).toEqual(['1/3 a', '2/3 broken', '3/3 wide']);
    expect(result.cases.map((c) => [path.basename(c.truthPath), c.score.miou])).toEqual([['a.png', 0.75]]);
    expect(result.errors.map((e) => [path.basename(e.truth!), path.basename(e.pred!)])).toEqual([
      ['broken.png', 'broken.png'],
      ['wide.png', 'wide.png'],
    ]);
    expect(result.errors[0].message).toMatch(/broken\.png: unrecognised mask format/);
    expect(result.onlyInTruth).toEqual(['only.png']);
    expect(result.onlyInPred).toEqual(['extra.png']);
    expect(result.summary.miou.mean).toBe(0.75);
    expect(result.summary.caseCount).toBe(1);
  });
});
