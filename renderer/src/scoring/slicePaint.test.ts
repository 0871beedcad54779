import { describe, expect, it } from 'vitest';
import { agreementColors, labelColor } from './labelColors';
import { agreementAt, paintAgreement, paintLabelOutlines, paintLabels } from './slicePaint';
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

describe('paintAgreement', () => {
  it('colours slice z only, with counts per category', () => {
    // 2×2×2: slice 1 holds one of each case.
    const truth = volume([1, 1, 1, 1, 1, 1, 0, 0], [2, 2, 2]);
    const pred = volume([0, 0, 0, 0, 1, 0, 2, 0], [2, 2, 2]);
    const rgba = new Uint8ClampedArray(16);
    const counts = paintAgreement(truth, pred, 1, rgba);
    expect(counts).toEqual({ tp: 1, fp: 1, fn: 1 });
    expect(Array.from(rgba.slice(0, 4))).toEqual([...agreementColors.tp, 255]);
    expect(Array.from(rgba.slice(4, 8))).toEqual([...agreementColors.fn, 255]);
    expect(Array.from(rgba.slice(8, 12))).toEqual([...agreementColors.fp, 255]);
    expect(rgba[15]).toBe(0);
  });
});

describe('paintLabels', () => {
  it('paints each label in its colour and leaves background transparent', () => {
    const mask = volume([0, 7, 7, 255], [2, 2, 1]);
    const rgba = new Uint8ClampedArray(16).fill(9);
    paintLabels(mask, 0, rgba);
    expect(rgba[3]).toBe(0);
    expect(Array.from(rgba.slice(4, 8))).toEqual([...labelColor(7), 255]);
    expect(Array.from(rgba.slice(12, 16))).toEqual([...labelColor(255), 255]);
    expect(labelColor(7)).not.toEqual(labelColor(255));
  });
});

describe('paintLabelOutlines', () => {
  it('keeps only border pixels of each label', () => {
    // 5×5 with a 3×3 block of label 4 in the middle: its 8 border pixels are drawn, the centre is not.
    const values = new Array(25).fill(0);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) values[y * 5 + x] = 4;
    const rgba = new Uint8ClampedArray(25 * 4);
    paintLabelOutlines(volume(values, [5, 5, 1]), 0, rgba);
    const drawn = Array.from({ length: 25 }, (_, i) => rgba[i * 4 + 3] > 0);
    expect(drawn.filter(Boolean)).toHaveLength(8);
    expect(drawn[12]).toBe(false);
    expect(drawn[6]).toBe(true);
    expect(Array.from(rgba.slice(6 * 4, 6 * 4 + 3))).toEqual([...labelColor(4)]);
  });
});
