import { describe, expect, it } from 'vitest';
import { LEFT_LUNG, lungLabelMap, RIGHT_LUNG } from './lung-labels';

/** A mask from rows of '0' / '1' (255). */
function mask(rows: string[]): { values: Uint8Array; width: number; height: number } {
  return { values: Uint8Array.from(rows.join(''), (c) => (c === '1' ? 255 : 0)), width: rows[0].length, height: rows.length };
}
const labelsOf = (rows: string[]): string[] => {
  const m = mask(rows);
  const out = lungLabelMap(m.values, m.width, m.height);
  return rows.map((_, y) => Array.from(out.subarray(y * m.width, (y + 1) * m.width)).join(''));
};

describe('lungLabelMap (data.py lung_label_map)', () => {
  it('two lungs: the one with the larger centroid x is the left lung (2), a small island goes to the nearer one', () => {
    expect(labelsOf(['11000011', '11000011', '00000000', '00000001'])).toEqual(['11000022', '11000022', '00000000', '00000002']);
    expect(RIGHT_LUNG).toBe(1);
    expect(LEFT_LUNG).toBe(2);
  });

  it('one component across the mid-line is split at its centroid column; one on a side goes to that side', () => {
    expect(labelsOf(['01111110', '01111110'])).toEqual(['01112220', '01112220']);
    expect(labelsOf(['00000111', '00000111'])).toEqual(['00000222', '00000222']);
    expect(labelsOf(['11100000', '11100000'])).toEqual(['11100000', '11100000']);
  });

  it('8-connected: diagonal neighbours are one component; an empty mask has no labels', () => {
    expect(labelsOf(['10000001', '01000010'])).toEqual(['10000002', '01000020']);
    expect(labelsOf(['0000', '0000'])).toEqual(['0000', '0000']);
  });
});
