// The study list's filters as the inputs hold them, and what catalog.studies is asked for them.
import type { StudyQuery } from '../../../core/contract/catalog';

/** The filters of the study list, as the inputs hold them ('' = no filter). */
export interface StudyFilters {
  query: string;
  modality: string;
  /** YYYY-MM-DD, as a date input gives it. */
  dateFrom: string;
  dateTo: string;
}

export const noFilters: StudyFilters = { query: '', modality: '', dateFrom: '', dateTo: '' };

/** What catalog.studies is asked for these filters (empty ones left out). */
export function studyQuery(filters: StudyFilters): StudyQuery {
  const query: StudyQuery = {};
  if (filters.query.trim()) query.query = filters.query.trim();
  if (filters.modality.trim()) query.modality = filters.modality.trim();
  if (filters.dateFrom) query.dateFrom = filters.dateFrom;
  if (filters.dateTo) query.dateTo = filters.dateTo;
  return query;
}

/** A DICOM date (YYYYMMDD) as people read it (YYYY-MM-DD); anything else as it is. */
export const formatStudyDate = (date: string): string => (/^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}` : date);
