import { describe, expect, it } from 'vitest';
import { agreementAt, agreementMasks, labelCounts, splitLabels } from './labelMasks';
import type { MaskVolume } from './maskVolume';

const volume = (values: number[], shape: [number, number, number]): MaskVolume => ({ shape, data: Uint8Array.from(values) });

describe('agreementAt', () => {
  it('classifies a voxel as TP, FP, FN or nothing', () => {
    expect(agreementAt(0, 0)).toBe('none');
    expect(agreementAt(3, 3)).toBe('tp');
    expect(agreementAt(0, 2)).toBe('fp');
    expect(agreementAt(1, 0)).toBe('fn');
    // A confused label is shown as the prediction's error.
    expect(agreementAt(1, 2)).toBe('fp');
  });
});

describe('agreementMasks', () => {
  it('puts every voxel of a 2×2×2 pair in its category, on its own slice', () => {
    // Slice 0: truth everywhere, prediction nowhere (4 FN). Slice 1: TP, FN, confused (FP), background.
    const truth = volume([1, 1, 1, 1, 1, 1, 1, 0], [2, 2, 2]);
    const pred = volume([0, 0, 0, 0, 1, 0, 2, 0], [2, 2, 2]);
    const masks = agreementMasks(truth, pred)!;
    expect(Array.from(masks.tp)).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(masks.fp)).toEqual([0, 0, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(masks.fn)).toEqual([1, 1, 1, 1, 0, 1, 0, 0]);
  });

  it('refuses a pair of different shapes', () => {
    expect(agreementMasks(volume([1, 0], [2, 1, 1]), volume([1, 0], [1, 2, 1]))).toBeNull();
  });
});

describe('splitLabels', () => {
  it('gives each asked label its own 0/1 mask over the volume and ignores the others', () => {
    const labels = volume([0, 7, 7, 255, 3, 0, 7, 255], [2, 2, 2]);
    const masks = splitLabels(labels, [7, 255, 9]);
    expect([...masks.keys()]).toEqual([7, 255, 9]);
    expect(Array.from(masks.get(7)!)).toEqual([0, 1, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(masks.get(255)!)).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
    // Asked for but absent: an empty mask (a segment with no voxels yet).
    expect(Array.from(masks.get(9)!)).toEqual(new Array(8).fill(0));
  });

  it('reads 16-bit label maps', () => {
    const labels: MaskVolume = { shape: [3, 1, 1], data: Uint16Array.from([1000, 0, 1000]) };
    expect(Array.from(splitLabels(labels, [1000]).get(1000)!)).toEqual([1, 0, 1]);
  });
});

describe('labelCounts', () => {
  it('counts the foreground voxels of each label', () => {
    expect([...labelCounts(volume([0, 2, 2, 5, 0, 2], [6, 1, 1]))]).toEqual([[2, 3], [5, 1]]);
  });
});
