import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../config/data-dir';
import { CUSTOM_LABEL_TEMPLATES, DEFAULT_ZERO_SHOT_SETS, customSet, fillTemplate, zeroShotSetProblem } from './zero-shot';

/** A module-level list of strings in retrieval_eval.py (`NAME = ["a", "b"]`, a JSON array as Python writes it). */
function pythonList(source: string, name: string): string[] {
  const match = new RegExp(`^${name} = (\\[.*\\])`, 'm').exec(source);
  if (!match) throw new Error(`retrieval_eval.py has no ${name} = [...] line`);
  return JSON.parse(match[1]) as string[];
}

const setNamed = (name: string) => DEFAULT_ZERO_SHOT_SETS.find((s) => s.name === name)!;

describe('zero-shot label sets: the same as the Python evaluation', () => {
  const source = readFileSync(path.join(projectRoot, 'models', 'training', 'retrieval_eval.py'), 'utf8');

  it('modality and region are retrieval_eval.py’s classes and templates, in its order', () => {
    expect(DEFAULT_ZERO_SHOT_SETS.map((s) => s.name)).toEqual(['modality', 'region']);
    expect(setNamed('modality').labels).toEqual(pythonList(source, 'MODALITY_CLASSES'));
    expect(setNamed('modality').templates).toEqual(pythonList(source, 'MODALITY_TEMPLATES'));
    expect(setNamed('region').labels).toEqual(pythonList(source, 'REGION_CLASSES'));
    expect(setNamed('region').templates).toEqual(pythonList(source, 'REGION_TEMPLATES'));
  });

  it('are the classes and templates the shipped model’s eval.json figures were measured with', () => {
    const evalJson = JSON.parse(readFileSync(path.join(projectRoot, 'models', 'vesalius-vlm-0.3.0', 'eval.json'), 'utf8')) as Record<string, { classes: string[]; templates: string[] }>;
    for (const name of ['modality', 'region']) {
      const measured = evalJson[`zero_shot_${name}`];
      expect(setNamed(name).labels, name).toEqual(measured.classes);
      expect(setNamed(name).templates, name).toEqual(measured.templates);
    }
  });

  it('the user’s labels get the templates both sets share', () => {
    expect(CUSTOM_LABEL_TEMPLATES).toEqual(['{}.', '{} image.']);
    expect(customSet(['pneumothorax', 'normal'])).toEqual({ name: 'labels', labels: ['pneumothorax', 'normal'], templates: ['{}.', '{} image.'] });
  });
});

describe('zero-shot templates', () => {
  it('fills the slot as Python’s format does', () => {
    expect(fillTemplate('an image of the {}.', 'chest')).toBe('an image of the chest.');
    expect(fillTemplate('{}, head.', 'x-ray')).toBe('x-ray, head.');
  });

  it('says why a set cannot be classified', () => {
    expect(zeroShotSetProblem(setNamed('modality'))).toBeNull();
    expect(zeroShotSetProblem({ name: 'x', labels: ['ct'], templates: ['{}'] })).toBe('give at least two labels to choose between');
    expect(zeroShotSetProblem({ name: 'x', labels: ['ct', 'mri'], templates: [] })).toMatch(/there are none/);
    expect(zeroShotSetProblem({ name: 'x', labels: ['ct', 'mri'], templates: ['{}.', 'a scan'] })).toMatch(/"a scan" has none/);
  });
});
