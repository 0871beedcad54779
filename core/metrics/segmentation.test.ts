import { describe, expect, it } from 'vitest';
import { jointHistogram } from './joint-histogram';
import { perSliceIou, scoreCase, summarizeDataset } from './segmentation';
import { randomLabels, seededRandom, volume } from './test-volumes';
import type { CaseScore, LabelArray } from './types';

const row = (values: number[], source = 'test') => volume(Uint8Array.from(values), [values.length, 1, 1], source);

describe('scoreCase golden cases', () => {
  it('empty truth: every predicted voxel is a false positive', () => {
    // truth 0 0 0 0, pred 0 1 1 0 → label 1: tp 0, fp 2, fn 0; IoU 0/2 = 0, Dice 0/2 = 0,
    // precision 0/2 = 0, recall 0/0 = null.
    const score = scoreCase(row([0, 0, 0, 0]), row([0, 1, 1, 0]));
    expect(score.labels).toEqual([
      expect.objectContaining({ label: 1, tp: 0, fp: 2, fn: 0, iou: 0, dice: 0, precision: 0, recall: null }),
    ]);
    expect(score.miou).toBe(0);
    expect(score.empty).toBe(false);
  });

  it('empty prediction: every truth voxel is a false negative', () => {
    // truth 1 1 0 0, pred 0 0 0 0 → tp 0, fp 0, fn 2; precision 0/0 = null, recall 0/2 = 0.
    const score = scoreCase(row([1, 1, 0, 0]), row([0, 0, 0, 0]));
    expect(score.labels[0]).toMatchObject({ label: 1, tp: 0, fp: 0, fn: 2, iou: 0, dice: 0, precision: null, recall: 0 });
    expect(score.miou).toBe(0);
    expect(score.meanDice).toBe(0);
  });

  it('both empty: mIoU 1 under "one", null under "skip"', () => {
    const one = scoreCase(row([0, 0, 0]), row([0, 0, 0]), { emptyRule: 'one', name: 'blank' });
    expect(one).toEqual({ name: 'blank', labels: [], miou: 1, meanDice: 1, empty: true });
    const skip = scoreCase(row([0, 0, 0]), row([0, 0, 0]), { emptyRule: 'skip' });
    expect(skip).toMatchObject({ labels: [], miou: null, meanDice: null, empty: true });
    // default rule is 'one'; default name is the truth's source
    expect(scoreCase(row([0], 'a.nii'), row([0]))).toMatchObject({ name: 'a.nii', miou: 1 });
  });

  it('full label swap 1↔2 scores 0', () => {
    // truth 1 1 2 2 0 0, pred 2 2 1 1 0 0: label 1 tp 0 fp 2 fn 2, label 2 the same → IoU 0, 0.
    const score = scoreCase(row([1, 1, 2, 2, 0, 0]), row([2, 2, 1, 1, 0, 0]));
    expect(score.labels.map((l) => [l.label, l.tp, l.fp, l.fn, l.iou])).toEqual([
      [1, 0, 2, 2, 0],
      [2, 0, 2, 2, 0],
    ]);
    expect(score.miou).toBe(0);
  });

  it('partial confusion between labels 1 and 2', () => {
    // idx:   0 1 2 3 4 5
    // truth: 1 1 1 2 2 0
    // pred:  1 1 2 2 1 0
    // label 1: truth {0,1,2}, pred {0,1,4}: tp 2, fp 1 (4), fn 1 (2) → IoU 2/4 = 0.5, Dice 4/6
    // label 2: truth {3,4}, pred {2,3}:   tp 1, fp 1 (2), fn 1 (4) → IoU 1/3,      Dice 2/4
    // mIoU = (1/2 + 1/3)/2 = 5/12; mean Dice = (2/3 + 1/2)/2 = 7/12
    const score = scoreCase(row([1, 1, 1, 2, 2, 0]), row([1, 1, 2, 2, 1, 0]));
    expect(score.labels[0]).toMatchObject({ label: 1, tp: 2, fp: 1, fn: 1, iou: 0.5 });
    expect(score.labels[0].dice).toBeCloseTo(4 / 6, 12);
    expect(score.labels[1]).toMatchObject({ label: 2, tp: 1, fp: 1, fn: 1, dice: 0.5 });
    expect(score.labels[1].iou).toBeCloseTo(1 / 3, 12);
    expect(score.miou).toBeCloseTo(5 / 12, 12);
    expect(score.meanDice).toBeCloseTo(7 / 12, 12);
  });

  it('3-D stack, with per-slice IoU', () => {
    // shape 2×2×3, slices of 4 voxels:
    //          z0        z1        z2
    // truth  1 1 1 1   1 1 0 0   0 0 0 0
    // pred   1 1 1 1   1 0 1 0   0 0 0 1
    // label 1: truth 6, pred 7, tp 4 + 1 = 5 → fp 2, fn 1 → IoU 5/8, Dice 10/13
    // per slice: z0 4/4 = 1; z1 ∩ {0} / ∪ {0,1,2} = 1/3; z2 0/1 = 0
    const truth = volume(Uint8Array.from([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]), [2, 2, 3]);
    const pred = volume(Uint8Array.from([1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1]), [2, 2, 3]);
    const score = scoreCase(truth, pred);
    expect(score.labels[0]).toMatchObject({ tp: 5, fp: 2, fn: 1, iou: 5 / 8, truthVoxels: 6, predVoxels: 7 });
    expect(score.labels[0].dice).toBeCloseTo(10 / 13, 12);
    const slices = perSliceIou(truth, pred);
    expect(slices[0]).toBe(1);
    expect(slices[1]).toBeCloseTo(1 / 3, 12);
    expect(slices[2]).toBe(0);
    expect(perSliceIou(truth, pred, 1)).toEqual(slices);
    expect(perSliceIou(truth, pred, 9)).toEqual([null, null, null]);
  });

  it('non-contiguous labels 1, 7, 255 in Uint8 and 1000 in Uint16', () => {
    // idx:   0 1 2   3   4   5 6 7
    // truth: 1 7 255 255 0   0 7 1
    // pred:  1 7 255 0   255 7 0 1
    // label 1: {0,7} vs {0,7} → IoU 1; label 7: {1,6} vs {1,5} → 1/3; label 255: {2,3} vs {2,4} → 1/3
    // mIoU = (1 + 1/3 + 1/3)/3 = 5/9
    const truthValues = [1, 7, 255, 255, 0, 0, 7, 1];
    const predValues = [1, 7, 255, 0, 255, 7, 0, 1];
    const u8 = scoreCase(row(truthValues), row(predValues));
    expect(u8.labels.map((l) => l.label)).toEqual([1, 7, 255]);
    expect(u8.labels[0].iou).toBe(1);
    expect(u8.labels[1].iou).toBeCloseTo(1 / 3, 12);
    expect(u8.labels[2].iou).toBeCloseTo(1 / 3, 12);
    expect(u8.miou).toBeCloseTo(5 / 9, 12);

    // Same layout with 255 → 1000 in Uint16 (generic path): same scores under the new label.
    const to1000 = (v: number) => (v === 255 ? 1000 : v);
    const u16 = scoreCase(
      volume(Uint16Array.from(truthValues.map(to1000)), [8, 1, 1]),
      volume(Uint16Array.from(predValues.map(to1000)), [8, 1, 1]),
    );
    expect(u16.labels.map((l) => [l.label, l.tp, l.fp, l.fn])).toEqual([
      [1, 2, 0, 0],
      [7, 1, 1, 1],
      [1000, 1, 1, 1],
    ]);
    expect(u16.miou).toBeCloseTo(5 / 9, 12);
  });

  it('voxel counts become millilitres through the spacing', () => {
    // 100 voxels of 0.5 × 0.5 × 2 mm = 0.5 mm³ each → 50 mm³ = 0.05 ml; prediction 40 voxels → 0.02 ml
    const truth = new Uint8Array(1000);
    const pred = new Uint8Array(1000);
    truth.fill(3, 0, 100);
    pred.fill(3, 0, 40);
    const score = scoreCase(volume(truth, [10, 10, 10], 't', [0.5, 0.5, 2]), volume(pred, [10, 10, 10], 'p', [0.5, 0.5, 2]));
    expect(score.labels[0].truthVolumeMl).toBeCloseTo(0.05, 12);
    expect(score.labels[0].predVolumeMl).toBeCloseTo(0.02, 12);
  });

  it('refuses mismatched shapes, naming both sources and shapes', () => {
    const truth = volume(new Uint8Array(8), [2, 2, 2], 'truth/case1.nii.gz');
    const pred = volume(new Uint8Array(8), [4, 2, 1], 'model/case1.nii.gz');
    expect(() => scoreCase(truth, pred)).toThrow(/truth\/case1\.nii\.gz.*2×2×2.*model\/case1\.nii\.gz.*4×2×1/);
  });

  it('refuses data that does not fill its shape', () => {
    expect(() => scoreCase(volume(new Uint8Array(7), [2, 2, 2], 'short.png'), volume(new Uint8Array(8), [2, 2, 2])))
      .toThrow(/short\.png.*needs 8 voxels.*holds 7/);
  });
});

/** Reference joint histogram: a Map over "t,p" strings, one voxel at a time. */
function naiveHistogram(truth: LabelArray, pred: LabelArray): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < truth.length; i++) {
    const key = `${truth[i]},${pred[i]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function histogramAsMap(truth: LabelArray, pred: LabelArray): Map<string, number> {
  return new Map(jointHistogram(truth, pred).cells.map((c) => [`${c.truth},${c.pred}`, c.count]));
}

describe('jointHistogram against a naive count', () => {
  const random = seededRandom(7);

  it('Uint8 word path: runs of background, uniform and mixed words, any byte offset and length', () => {
    for (let trial = 0; trial < 40; trial++) {
      const length = 16 + Math.floor(random() * 600);
      // Blocky data so whole words (and 32-voxel background blocks) are uniform, with noise on top.
      const blockLength = [8, 40, 100][trial % 3];
      const noise = [0, 0.01, 0.15][Math.floor(trial / 3) % 3];
      const truth = new Uint8Array(length + 3);
      const pred = new Uint8Array(length + 3);
      for (let i = 0; i < truth.length; i++) {
        const block = Math.floor(i / blockLength) % 5;
        truth[i] = block < 2 ? 0 : block * 50;
        pred[i] = random() < noise ? Math.floor(random() * 256) : truth[i];
      }
      const t = truth.subarray(trial % 4, trial % 4 + length);
      const p = pred.subarray((trial >> 2) % 4, ((trial >> 2) % 4) + length);
      expect(histogramAsMap(t, p)).toEqual(naiveHistogram(t, p));
    }
  });

  it('Int8 labels keep their sign', () => {
    const t = Int8Array.from([-1, -1, 0, 5, -128, 127, 0, 0, -1, -1, -1, -1, 3, 3, 3, 3, 0, 0]);
    const p = Int8Array.from([-1, 0, 0, 5, -128, 0, 127, 0, -1, -1, -1, -1, 3, 3, 3, 2, 0, 1]);
    expect(histogramAsMap(t, p)).toEqual(naiveHistogram(t, p));
  });

  it('generic paths: Uint16, mixed types, huge Int32 range, and more than 65536 label pairs', () => {
    const cases: [LabelArray, LabelArray][] = [];
    const labels16 = [0, 1, 1000, 65535];
    cases.push([
      Uint16Array.from(randomLabels(random, 500, labels16)),
      Uint16Array.from(randomLabels(random, 500, labels16)),
    ]);
    cases.push([Uint8Array.from(randomLabels(random, 500, [0, 1, 2, 255])), Uint16Array.from(randomLabels(random, 500, labels16))]);
    const huge = [0, -5, 2_000_000_000, -2_000_000_000, 17];
    cases.push([Int32Array.from(randomLabels(random, 500, huge)), Int32Array.from(randomLabels(random, 500, huge))]);
    cases.push([Uint32Array.from(randomLabels(random, 500, [0, 4_000_000_000, 1])), Int16Array.from(randomLabels(random, 500, [0, -300, 1]))]);
    // 300 distinct labels per side → 90 000 possible pairs, beyond the dense table.
    const many = Array.from({ length: 300 }, (_, i) => i * 3);
    const manyTruth = Uint16Array.from({ length: 4000 }, (_, i) => many[i % 300]);
    const manyPred = Uint16Array.from({ length: 4000 }, () => many[Math.floor(random() * 300)]);
    cases.push([manyTruth, manyPred]);
    for (const [t, p] of cases) expect(histogramAsMap(t, p)).toEqual(naiveHistogram(t, p));
  });
});

describe('scoreCase properties on random volumes', () => {
  const random = seededRandom(2026);
  const shape = [9, 7, 5] as const;
  const labelSets = [
    [1, 2, 3],
    [1, 7, 255],
  ];

  it('IoU(A, A) = 1 for every label', () => {
    for (const labels of labelSets) {
      const a = volume(Uint8Array.from(randomLabels(random, 315, labels, 3)), shape);
      const score = scoreCase(a, a);
      expect(score.labels.length).toBeGreaterThan(0);
      for (const l of score.labels) expect([l.iou, l.dice, l.fp, l.fn]).toEqual([1, 1, 0, 0]);
      expect(score.miou).toBe(1);
    }
  });

  it('swapping truth and prediction keeps IoU/Dice and swaps fp/fn; Dice = 2·IoU/(1+IoU); bounds [0,1]', () => {
    for (let trial = 0; trial < 30; trial++) {
      const labels = labelSets[trial % 2];
      const a = volume(Uint8Array.from(randomLabels(random, 315, labels, 1 + (trial % 4))), shape);
      const b = volume(Uint8Array.from(randomLabels(random, 315, labels, 1 + (trial % 3))), shape);
      const ab = scoreCase(a, b);
      const ba = scoreCase(b, a);
      expect(ba.labels.map((l) => l.label)).toEqual(ab.labels.map((l) => l.label));
      ab.labels.forEach((l, i) => {
        const m = ba.labels[i];
        expect([m.tp, m.fp, m.fn]).toEqual([l.tp, l.fn, l.fp]);
        expect(m.iou).toBeCloseTo(l.iou as number, 12);
        expect(m.dice).toBeCloseTo(l.dice as number, 12);
        const iou = l.iou as number;
        expect(l.dice as number).toBeCloseTo((2 * iou) / (1 + iou), 12);
        for (const v of [l.iou, l.dice, l.precision, l.recall]) {
          if (v !== null) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
          }
        }
      });
      expect(ba.miou).toBeCloseTo(ab.miou as number, 12);
    }
  });
});

describe('perSliceIou on byte data matches a naive per-voxel count', () => {
  /** Reference: per slice, count voxels in both / in either with plain comparisons. */
  function naivePerSlice(t: ArrayLike<number>, p: ArrayLike<number>, sliceSize: number, depth: number, label?: number) {
    const inMask = (v: number) => (label === undefined ? v !== 0 : v === label);
    return Array.from({ length: depth }, (_, z) => {
      let both = 0;
      let either = 0;
      for (let i = z * sliceSize; i < (z + 1) * sliceSize; i++) {
        if (inMask(t[i]) && inMask(p[i])) both++;
        if (inMask(t[i]) || inMask(p[i])) either++;
      }
      return either === 0 ? null : both / either;
    });
  }

  it('Uint8 and Int8, foreground, present, absent and negative labels', () => {
    const random = seededRandom(31);
    const shape = [13, 11, 6] as const; // 143-voxel slices: word path inside each slice
    for (let trial = 0; trial < 12; trial++) {
      const labels = trial % 2 === 0 ? [1, 2, 200] : [1, -3, 100];
      const make = () => randomLabels(random, 13 * 11 * 6, labels, trial % 5);
      const tValues = make();
      const pValues = make();
      // Leave one slice empty in both so null slices occur.
      for (let i = 2 * 143; i < 3 * 143; i++) tValues[i] = pValues[i] = 0;
      const Ctor = trial % 2 === 0 ? Uint8Array : Int8Array;
      const truth = volume(Ctor.from(tValues), shape);
      const pred = volume(Ctor.from(pValues), shape);
      for (const label of [undefined, 1, labels[1], 99, 1000]) {
        const fast = perSliceIou(truth, pred, label);
        const slow = naivePerSlice(truth.data, pred.data, 143, 6, label);
        expect(fast.map((v) => (v === null ? null : Number(v.toFixed(12))))).toEqual(
          slow.map((v) => (v === null ? null : Number(v.toFixed(12)))),
        );
      }
      expect(perSliceIou(truth, pred)[2]).toBeNull();
    }
  });
});

describe('summarizeDataset', () => {
  const caseWith = (name: string, ious: [number, number][], empty = false): CaseScore => ({
    name,
    labels: ious.map(([label, iou]) => ({
      label, tp: 0, fp: 0, fn: 0, iou, dice: (2 * iou) / (1 + iou), precision: null, recall: null,
      truthVoxels: 0, predVoxels: 0, truthVolumeMl: 0, predVolumeMl: 0,
    })),
    miou: empty ? null : ious.reduce((s, [, v]) => s + v, 0) / ious.length,
    meanDice: empty ? null : ious.reduce((s, [, v]) => s + (2 * v) / (1 + v), 0) / ious.length,
    empty,
  });
  // A: labels 1 (0.5) and 2 (0.5) → mIoU 0.5; B: empty; C: label 1 (1/3) → mIoU 1/3
  const cases = [caseWith('A', [[1, 0.5], [2, 0.5]]), caseWith('B', [], true), caseWith('C', [[1, 1 / 3]])];

  it('"one": the empty case counts as 1', () => {
    // mIoUs {0.5, 1, 1/3}: mean 11/18, median 0.5, min 1/3, max 1
    const s = summarizeDataset(cases, 'one');
    expect(s).toMatchObject({ emptyRule: 'one', caseCount: 3, scoredCaseCount: 3 });
    expect(s.miou.mean).toBeCloseTo(11 / 18, 12);
    expect(s.miou).toMatchObject({ median: 0.5, min: 1 / 3, max: 1 });
    // mean Dice: A 2/3, B 1, C 0.5 → 13/18
    expect(s.meanDice).toBeCloseTo(13 / 18, 12);
  });

  it('"skip": the empty case is left out', () => {
    // mIoUs {0.5, 1/3}: mean = median = 5/12
    const s = summarizeDataset(cases, 'skip');
    expect(s.scoredCaseCount).toBe(2);
    expect(s.miou.mean).toBeCloseTo(5 / 12, 12);
    expect(s.miou.median).toBeCloseTo(5 / 12, 12);
    expect(s.miou.min).toBeCloseTo(1 / 3, 12);
    expect(s.miou.max).toBe(0.5);
  });

  it('per label: mean over the cases where the label is present', () => {
    // label 1 in A (0.5) and C (1/3) → 5/12 over 2 cases; label 2 only in A → 0.5
    const s = summarizeDataset(cases, 'one');
    expect(s.perLabel.map((p) => [p.label, p.cases])).toEqual([[1, 2], [2, 1]]);
    expect(s.perLabel[0].meanIou).toBeCloseTo(5 / 12, 12);
    expect(s.perLabel[1].meanIou).toBe(0.5);
    expect(s.perLabel[1].meanDice).toBeCloseTo(2 / 3, 12);
  });

  it('no cases: nulls, not NaN', () => {
    expect(summarizeDataset([], 'skip')).toEqual({
      emptyRule: 'skip', caseCount: 0, scoredCaseCount: 0,
      miou: { mean: null, median: null, min: null, max: null }, meanDice: null, perLabel: [],
    });
  });
});
