import { describe, expect, it } from 'vitest';
import { aiSourceLine, formatProbability } from '../../../core/report/model';
import { answerConfidence } from './format';

describe('probabilities in the dock', () => {
  it('two decimals from 0.01 up, powers of ten below (a caption’s product of token probabilities)', () => {
    expect(formatProbability(0.8234)).toBe('0.82');
    expect(formatProbability(0.01)).toBe('0.01');
    expect(formatProbability(3.24e-61)).toBe('3.2e-61');
    expect(formatProbability(0)).toBe('0.00');
    expect(answerConfidence({ probability: 0.0042, uncertain: true })).toBe('p = 4.2e-3 · uncertain');
    expect(answerConfidence({ probability: null, uncertain: null })).toBeNull();
    // The report's provenance line prints it the same way (one definition).
    expect(aiSourceLine({ seriesKey: null, sopInstanceUid: null, slice: null, answeredAt: '2026-12-02T05:00:00Z', probability: 3.24e-61, uncertain: null })).toBe('image · 2026-12-02 05:00 · p = 3.2e-61');
  });
});
