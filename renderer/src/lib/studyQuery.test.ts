import { describe, expect, it } from 'vitest';
import { studyQuerySchema } from '../../../core/contract/catalog';
import { formatStudyDate, noFilters, studyQuery } from './studyQuery';

describe('studyQuery', () => {
  it('leaves empty filters out and trims the text ones', () => {
    expect(studyQuery(noFilters)).toEqual({});
    expect(studyQuery({ query: '  doe ', modality: 'CT', dateFrom: '2024-01-01', dateTo: '' })).toEqual({ query: 'doe', modality: 'CT', dateFrom: '2024-01-01' });
  });

  it('asks what the contract accepts, dates as DICOM writes them', () => {
    const parsed = studyQuerySchema.parse(studyQuery({ query: 'x', modality: 'MR', dateFrom: '2024-01-01', dateTo: '2024-12-31' }));
    expect(parsed).toEqual({ query: 'x', modality: 'MR', dateFrom: '20240101', dateTo: '20241231' });
  });
});

describe('formatStudyDate', () => {
  it('reads YYYYMMDD as YYYY-MM-DD and leaves anything else', () => {
    expect(formatStudyDate('20221208')).toBe('2022-12-08');
    expect(formatStudyDate('')).toBe('');
    expect(formatStudyDate('2022')).toBe('2022');
  });
});
