import { describe, expect, it } from 'vitest';
import { labelsOfField, modelLabel, percent, setTitle } from './classify';

describe('Classify labels field', () => {
  it('sends no labels for an empty field (modality and region), else the comma-separated labels, checked', () => {
    expect(labelsOfField('  ')).toEqual({ ok: true, labels: undefined });
    expect(labelsOfField('effusion, normal ')).toEqual({ ok: true, labels: ['effusion', 'normal'] });
    expect(labelsOfField('effusion')).toEqual({ ok: false, reason: 'Labels: give at least two labels to choose between.' });
    expect(labelsOfField('effusion,,normal')).toEqual({ ok: false, reason: 'Labels: label 2 is empty.' });
  });

  it('titles the sets and shows probabilities as per cent', () => {
    expect([setTitle('modality'), setTitle('region'), setTitle('labels')]).toEqual(['Modality', 'Region', 'Your labels']);
    expect(percent(0.8567)).toBe('85.7 %');
    expect(percent(1)).toBe('100.0 %');
  });
});

describe('modelLabel', () => {
  it('names the version once', () => {
    expect(modelLabel('vesalius-vlm-0.3.0', '0.3.0')).toBe('vesalius-vlm-0.3.0');
    expect(modelLabel('tiny-random', '0.3.0-tiny')).toBe('tiny-random 0.3.0-tiny');
  });
});
