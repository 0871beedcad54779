import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forcedCaptionWords, headerFacts, headerIds, orientationNumbers, type HeaderFacts, type HeaderTagInput } from './header-facts';

/** The fixture models/training/header_facts.py writes: tags by DICOM keyword, the facts its rule gives. */
interface FixtureCase {
  name: string;
  tags: Record<string, string>;
  facts: HeaderFacts;
}
const fixture = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures', 'header-facts-cases.json'), 'utf8')) as FixtureCase[];

/** DICOM keyword → the rule's field name (only the names change; values go in as the header has them). */
const FIELD_OF_KEYWORD: Record<string, keyof HeaderTagInput> = {
  Modality: 'modality',
  BodyPartExamined: 'bodyPartExamined',
  ImageOrientationPatient: 'imageOrientationPatient',
  ContrastBolusAgent: 'contrastBolusAgent',
  StudyDescription: 'studyDescription',
  SeriesDescription: 'seriesDescription',
};
const tagsOf = (keywords: Record<string, string>): HeaderTagInput => {
  const tags: Record<string, string> = {};
  for (const [keyword, value] of Object.entries(keywords)) {
    const field = FIELD_OF_KEYWORD[keyword];
    if (!field) throw new Error(`fixture tag ${keyword} is not one the rule reads`);
    tags[field] = value;
  }
  return tags as HeaderTagInput;
};

const FUSION = {
  slots: ['modality', 'plane', 'body_part', 'contrast'],
  values: {
    modality: ['<unk>', 'ct', 'mri', 'x-ray', 'ultrasound'],
    plane: ['<unk>', 'axial', 'coronal', 'sagittal'],
    body_part: ['<unk>', 'chest', 'head', 'abdomen', 'pelvis', 'spine', 'neck', 'extremity'],
    contrast: ['<unk>', 'contrast'],
  },
};

describe('header facts: the same facts as the Python rule for every fixture case', () => {
  it('has the ≥ 25 cases the interface asks for', () => {
    expect(fixture.length).toBeGreaterThanOrEqual(25);
  });
  it.each(fixture.map((c) => [c.name, c] as const))('%s', (_name, testCase) => {
    expect(headerFacts(tagsOf(testCase.tags))).toEqual(testCase.facts);
  });
});

describe('header facts rule', () => {
  const axial = [1, 0, 0, 0, 1, 0];
  it('maps modalities, unknown ones to <unk>', () => {
    expect(['CT', 'MR', 'CR', 'DX', 'DR', 'RG', 'MG', 'US', 'NM', ''].map((m) => headerFacts({ modality: m }).modality)).toEqual([
      'ct', 'mri', 'x-ray', 'x-ray', 'x-ray', 'x-ray', 'x-ray', 'ultrasound', '<unk>', '<unk>',
    ]);
  });

  it('takes the plane from the normal of ImageOrientationPatient, given as numbers or as header text', () => {
    expect(headerFacts({ imageOrientationPatient: axial }).plane).toBe('axial');
    expect(headerFacts({ imageOrientationPatient: [1, 0, 0, 0, 0, -1] }).plane).toBe('coronal');
    expect(headerFacts({ imageOrientationPatient: '0\\1\\0\\0\\0\\-1' }).plane).toBe('sagittal');
    // 45° oblique: no component reaches 0.8.
    expect(headerFacts({ imageOrientationPatient: [1, 0, 0, 0, Math.SQRT1_2, Math.SQRT1_2] }).plane).toBe('<unk>');
    expect(headerFacts({ imageOrientationPatient: [1, 0, 0, 0, 1] }).plane).toBe('<unk>');
    expect(headerFacts({ imageOrientationPatient: [1, 0, 0, 0, 1, Number.NaN] }).plane).toBe('<unk>');
    expect(orientationNumbers('1\\0\\0\\0\\1\\0x1')).toBeNull();
    expect(orientationNumbers(' 1.0E0 \\ 0 \\ 0 \\ 0 \\ 1 \\ 0 ')).toEqual(axial);
  });

  it('reads the body part from the tag, else from whole words of the descriptions, study first', () => {
    expect(headerFacts({ bodyPartExamined: ' lungs ' }).body_part).toBe('chest');
    expect(headerFacts({ bodyPartExamined: 'TORSO', studyDescription: 'CT^ABDOMEN', seriesDescription: 'chest' }).body_part).toBe('abdomen');
    expect(headerFacts({ studyDescription: 'routine', seriesDescription: 'Knee 3mm' }).body_part).toBe('extremity');
    expect(headerFacts({ studyDescription: 'HEADLINE' }).body_part).toBe('<unk>');
  });

  it('says contrast only when an agent is named', () => {
    expect(headerFacts({ contrastBolusAgent: 'Omnipaque' }).contrast).toBe('contrast');
    expect(headerFacts({ contrastBolusAgent: '  ' }).contrast).toBe('<unk>');
    expect(headerFacts({}).contrast).toBe('<unk>');
  });

  it('header_ids index each slot in the folder list, 0 for unknown and for values the folder does not list', () => {
    const facts = headerFacts({ modality: 'CT', imageOrientationPatient: axial, bodyPartExamined: 'CHEST', contrastBolusAgent: 'x' });
    expect(Array.from(headerIds(facts, FUSION))).toEqual([1n, 1n, 1n, 1n]);
    expect(Array.from(headerIds(headerFacts({}), FUSION))).toEqual([0n, 0n, 0n, 0n]);
    const smaller = { ...FUSION, values: { ...FUSION.values, body_part: ['<unk>', 'head'] } };
    expect(Array.from(headerIds(headerFacts({ modality: 'MR', bodyPartExamined: 'HEAD' }), smaller))).toEqual([2n, 0n, 1n, 0n]);
    expect(Array.from(headerIds(headerFacts({ bodyPartExamined: 'CHEST' }), smaller))).toEqual([0n, 0n, 0n, 0n]);
  });

  it('forces "modality , plane ," at the start of a caption, stopping at the first unknown slot', () => {
    const slots = ['modality', 'plane'];
    expect(forcedCaptionWords(headerFacts({ modality: 'CT', imageOrientationPatient: axial }), FUSION, slots)).toEqual(['ct', ',', 'axial', ',']);
    expect(forcedCaptionWords(headerFacts({ modality: 'CR' }), FUSION, slots)).toEqual(['x-ray', ',']);
    // Never the plane alone.
    expect(forcedCaptionWords(headerFacts({ imageOrientationPatient: axial }), FUSION, slots)).toEqual([]);
    expect(forcedCaptionWords(headerFacts({ modality: 'CT', imageOrientationPatient: axial }), FUSION, [])).toEqual([]);
  });
});
