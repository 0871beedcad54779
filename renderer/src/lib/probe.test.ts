import { describe, expect, it } from 'vitest';
import { formatProbe, probeAt, type ProbeImage } from './probe';

const ct = (prescaled: boolean): ProbeImage => ({
  columns: 2,
  rows: 2,
  modality: 'CT',
  pixels: prescaled ? [-1000, 40, 0, 700] : [24, 1064, 1024, 1724],
  prescaled,
  rescaleSlope: 1,
  rescaleIntercept: -1024,
});

describe('pixel probe', () => {
  it('applies the rescale to stored values for CT', () => {
    expect(probeAt(ct(false), 1.2, 0.7)).toEqual({ column: 1, row: 0, value: 40, unit: 'HU' });
  });

  it('does not rescale twice when the loader already did', () => {
    expect(probeAt(ct(true), 0.1, 0.1)?.value).toBe(-1000);
  });

  it('shows raw values without a unit for other modalities', () => {
    const mr: ProbeImage = { ...ct(false), modality: 'MR', rescaleIntercept: 0 };
    const reading = probeAt(mr, 1.5, 1.5);
    expect(reading).toEqual({ column: 1, row: 1, value: 1724, unit: '' });
    expect(formatProbe(reading!)).toBe('(1, 1) 1724');
  });

  it('returns null outside the image', () => {
    expect(probeAt(ct(true), -0.1, 0)).toBeNull();
    expect(probeAt(ct(true), 2, 0)).toBeNull();
  });

  it('formats CT readings with their unit', () => {
    expect(formatProbe({ column: 3, row: 4, value: -998.27, unit: 'HU' })).toBe('(3, 4) -998.3 HU');
  });
});
