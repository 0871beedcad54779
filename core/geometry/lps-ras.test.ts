import { describe, expect, it } from 'vitest';
import { flipLpsRasRows } from './lps-ras';

describe('flipLpsRasRows', () => {
  it('negates x and y rows, keeps z, drops a 4×4 affine\'s last row, and undoes itself', () => {
    const lps = [
      [0.5, 0, 0, -120],
      [0, 0.5, 0, 80],
      [0, 0, 2, 33],
      [0, 0, 0, 1],
    ];
    const ras = flipLpsRasRows(lps);
    expect(ras).toEqual([
      [-0.5, -0, -0, 120],
      [-0, -0.5, -0, -80],
      [0, 0, 2, 33],
    ]);
    expect(flipLpsRasRows(ras)).toEqual(lps.slice(0, 3));
    expect(lps[0][0]).toBe(0.5); // the input is not changed
  });
});
