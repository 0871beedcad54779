import { describe, expect, it } from 'vitest';
import { parseLabelList } from './assistant';

describe('parseLabelList (the dock’s labels field and the CLI’s --labels)', () => {
  it('splits on commas, trims, and checks the labels as assistant.classify does', () => {
    expect(parseLabelList(' ct , mri')).toEqual({ ok: true, labels: ['ct', 'mri'] });
    expect(parseLabelList('ct')).toEqual({ ok: false, reason: 'give at least two labels to choose between' });
    expect(parseLabelList('ct,,mri')).toEqual({ ok: false, reason: 'label 2 is empty' });
    expect(parseLabelList(`ct,${'x'.repeat(65)}`)).toEqual({ ok: false, reason: 'label 2 is longer than 64 characters' });
    expect(parseLabelList('ct,-')).toEqual({ ok: false, reason: 'label 2 has no letter or digit' });
    expect(parseLabelList('ct,mri,ct')).toEqual({ ok: false, reason: 'label 3 repeats "ct"' });
    expect(parseLabelList(Array.from({ length: 17 }, (_, i) => `l${i}`).join(','))).toEqual({ ok: false, reason: 'give at most 16 labels' });
  });
});
