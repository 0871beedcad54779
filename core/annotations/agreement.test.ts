import { describe, expect, it } from 'vitest';
import { consensusContent, labelKey, segmentationAgreement, type AgreementInput } from './agreement';
import type { Segment } from './model';

const shape = [4, 4, 1] as const;
const segment = (number: number, label: string): Segment => ({ number, label, color: [200, 10, 10] });
/** A 4×4 mask with the listed voxel indices set. */
const maskOf = (indices: number[]): Uint8Array => {
  const mask = new Uint8Array(16);
  for (const i of indices) mask[i] = 1;
  return mask;
};
const input = (id: string, segments: [Segment, number[]][]): AgreementInput => ({
  id,
  name: `reader ${id}`,
  spacingMm: [1, 1, 1],
  content: { shape, segments: segments.map(([s]) => s), masks: new Map(segments.map(([s, idx]) => [s.number, maskOf(idx)])) },
});

describe('segmentation agreement', () => {
  it('matches segments by label, not by number, and scores each pair', () => {
    const a = input('a', [[segment(1, 'Lung'), [0, 1, 2, 3]], [segment(2, 'Heart'), [8, 9]]]);
    const b = input('b', [[segment(5, 'heart'), [8]], [segment(7, ' lung '), [0, 1]]]);
    const result = segmentationAgreement([a, b]);
    expect(result.ids).toEqual(['a', 'b']);
    const lung = result.labels.find((l) => labelKey(l.label) === 'lung')!;
    const heart = result.labels.find((l) => labelKey(l.label) === 'heart')!;
    expect(lung.voxelCounts).toEqual([4, 2]);
    expect(lung.iou[0][1]).toBeCloseTo(2 / 4);
    expect(lung.dice[0][1]).toBeCloseTo((2 * 2) / 6);
    expect(heart.iou[1][0]).toBeCloseTo(1 / 2);
    expect(result.meanIou[0][1]).toBeCloseTo((0.5 + 0.5) / 2);
    expect(result.meanIou[0][0]).toBe(1);
  });

  it('a label only one reader marked scores 0 for that pair and null where neither did', () => {
    const a = input('a', [[segment(1, 'Lung'), [0]], [segment(2, 'Nodule'), [5]]]);
    const b = input('b', [[segment(1, 'Lung'), [0]]]);
    const c = input('c', [[segment(1, 'Lung'), [0]]]);
    const result = segmentationAgreement([a, b, c]);
    const nodule = result.labels.find((l) => l.label === 'Nodule')!;
    expect(nodule.iou[0][1]).toBe(0);
    expect(nodule.iou[1][2]).toBeNull();
    // b and c agree on the lung and neither marked a nodule: the nodule is left out of their mean.
    expect(result.meanIou[1][2]).toBe(1);
    expect(result.meanIou[0][1]).toBeCloseTo(0.5);
  });

  it('refuses segmentations of different shapes, naming both', () => {
    const a = input('a', [[segment(1, 'Lung'), [0]]]);
    const b: AgreementInput = { ...input('b', []), content: { shape: [2, 2, 1], segments: [], masks: new Map() } };
    expect(() => segmentationAgreement([a, b])).toThrow(/b \(reader b\) is 2×2×1, a \(reader a\) is 4×4×1/);
    expect(() => segmentationAgreement([a])).toThrow(/at least two/);
  });
});

describe('majority consensus', () => {
  it('keeps voxels more than half of the readers marked, per label, overlaps kept apart', () => {
    const a = input('a', [[segment(1, 'Lung'), [0, 1, 2]], [segment(2, 'Nodule'), [1]]]);
    const b = input('b', [[segment(1, 'lung'), [1, 2, 3]], [segment(2, 'Nodule'), [1, 2]]]);
    const c = input('c', [[segment(3, 'Lung'), [2, 3, 4]]]);
    const consensus = consensusContent([a, b, c], 'majority-vote').content;
    expect(consensus.segments.map((s) => [s.number, s.label])).toEqual([
      [1, 'Lung'],
      [2, 'Nodule'],
    ]);
    const ones = (m: Uint8Array) => [...m.keys()].filter((i) => m[i] === 1);
    expect(ones(consensus.masks.get(1)!)).toEqual([1, 2, 3]);
    // Nodule: voxel 1 marked by a and b (2 of 3), voxel 2 only by b. Voxel 1 is also lung: both kept.
    expect(ones(consensus.masks.get(2)!)).toEqual([1]);
    expect(consensus.segments[0].color).toEqual([200, 10, 10]);
  });

  it('with two readers a voxel only one marked is a tie and is left out', () => {
    const a = input('a', [[segment(1, 'Lung'), [0, 1]]]);
    const b = input('b', [[segment(1, 'Lung'), [1, 2]]]);
    const mask = consensusContent([a, b], 'majority-vote').content.masks.get(1)!;
    expect([...mask.keys()].filter((i) => mask[i] === 1)).toEqual([1]);
  });

  it('STAPLE per label, with the estimated sensitivity of each reader', () => {
    const a = input('a', [[segment(1, 'Lung'), [0, 1, 2, 3]]]);
    const b = input('b', [[segment(1, 'Lung'), [0, 1, 2, 3]]]);
    const c = input('c', [[segment(1, 'Lung'), [0, 1]]]);
    const { content, estimates } = consensusContent([a, b, c], 'staple');
    const mask = content.masks.get(1)!;
    expect([...mask.keys()].filter((i) => mask[i] === 1)).toEqual([0, 1, 2, 3]);
    expect(estimates![0].label).toBe('Lung');
    expect(estimates![0].sensitivity[2]).toBeCloseTo(0.5, 4);
  });
});
