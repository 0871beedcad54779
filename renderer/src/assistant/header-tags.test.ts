import { describe, expect, it } from 'vitest';
import { assistantImageSchema } from '../../../core/contract/assistant';
import { headerFacts } from '../../../core/model/header-facts';
import { headerTagsOf, withHeaderTags, type MetadataLookup } from './header-tags';

const lookupOf = (modules: Record<string, unknown>): MetadataLookup => (type) => modules[type];

describe('header tags from cornerstone metadata', () => {
  it('reads the parsed instance by DICOM keyword, and the facts follow from them', () => {
    const header = headerTagsOf(
      lookupOf({
        naturalized: {
          Modality: 'CT',
          BodyPartExamined: 'CHEST',
          ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
          ContrastBolusAgent: 'IOHEXOL',
          StudyDescription: 'CT THORAX',
          SeriesDescription: ['Lung 1mm'],
          PatientName: 'not read',
        },
      }),
      'id',
    );
    expect(header).toEqual({
      modality: 'CT',
      bodyPartExamined: 'CHEST',
      imageOrientationPatient: [1, 0, 0, 0, 1, 0],
      contrastBolusAgent: 'IOHEXOL',
      studyDescription: 'CT THORAX',
      seriesDescription: 'Lung 1mm',
    });
    expect(headerFacts(header)).toEqual({ modality: 'ct', plane: 'axial', body_part: 'chest', contrast: 'contrast' });
  });

  it('falls back to the standard modules, ignores a defaulted plane, and leaves out what is malformed', () => {
    expect(headerTagsOf(lookupOf({ generalSeriesModule: { modality: 'MR' }, imagePlaneModule: { imageOrientationPatient: [0, 1, 0, 0, 0, -1] } }), 'id')).toEqual({
      modality: 'MR',
      imageOrientationPatient: [0, 1, 0, 0, 0, -1],
    });
    expect(headerTagsOf(lookupOf({ imagePlaneModule: { imageOrientationPatient: [1, 0, 0, 0, 1, 0], usingDefaultValues: true } }), 'id')).toEqual({});
    expect(headerTagsOf(lookupOf({ naturalized: { ImageOrientationPatient: [1, 0, 0, 0, 1], Modality: '' } }), 'id')).toEqual({});
    expect(headerTagsOf(lookupOf({ naturalized: { ImageOrientationPatient: ['1', '0', '0', '0', 'x', '0'] } }), 'id')).toEqual({});
  });

  it('cuts long values to the contract lengths so the image always validates', () => {
    const image = { kind: 'gray8' as const, width: 1, height: 1, dtype: 'uint8' as const, pixels: new Uint8Array(1) };
    const tagged = withHeaderTags(image, lookupOf({ naturalized: { Modality: 'X'.repeat(40), StudyDescription: 'y'.repeat(300) } }), 'id');
    expect(tagged.header?.studyDescription).toHaveLength(64);
    expect(assistantImageSchema.safeParse(tagged).success).toBe(true);
    // No tags: the image goes without a header (a PNG/JPEG).
    expect(withHeaderTags(image, lookupOf({}), 'id')).toBe(image);
  });
});
