import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normaliseTrainingAnswer } from './training-answer';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const readJson = (name: string): unknown => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));

describe('normaliseTrainingAnswer (captions.py normalise_answer)', () => {
  it('equals the Python outputs on every parity answer', () => {
    const { answers } = readJson('answer-normalisation-inputs.json') as { answers: string[] };
    const { normalised } = readJson('answer-normalisation-python.json') as { normalised: string[] };
    expect(normalised).toHaveLength(answers.length);
    answers.forEach((answer, i) => expect(normaliseTrainingAnswer(answer), JSON.stringify(answer)).toBe(normalised[i]));
  });

  it('keeps punctuation as words and drops only the articles', () => {
    expect(normaliseTrainingAnswer('The X-Ray.')).toBe('x - ray .');
    expect(normaliseTrainingAnswer('a an the then')).toBe('then');
    // unlike normalizeAnswer, number words and yes-variants stay as they are
    expect(normaliseTrainingAnswer('Two')).toBe('two');
    expect(normaliseTrainingAnswer('yeah')).toBe('yeah');
  });
});
