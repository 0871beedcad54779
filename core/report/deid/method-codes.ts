// CID 7050 "De-identification Method" (PS3.16), scheme DCM: the codes written into
// De-identification Method Code Sequence (0012,0064) for the profile and each option used.
import type { TableOption } from './profile-table';

export interface MethodCode {
  value: string;
  meaning: string;
}

export const BASIC_PROFILE_CODE: MethodCode = { value: '113100', meaning: 'Basic Application Confidentiality Profile' };

/** Every option this de-identifier offers: the table's columns plus Retain Safe Private. */
export type DeidOption = TableOption | 'retain-safe-private';

export const optionCodes: Record<DeidOption, MethodCode> = {
  'clean-descriptions': { value: '113105', meaning: 'Clean Descriptors Option' },
  'retain-full-dates': { value: '113106', meaning: 'Retain Longitudinal Temporal Information Full Dates Option' },
  'modified-dates': { value: '113107', meaning: 'Retain Longitudinal Temporal Information Modified Dates Option' },
  'retain-patient-characteristics': { value: '113108', meaning: 'Retain Patient Characteristics Option' },
  'retain-device-identity': { value: '113109', meaning: 'Retain Device Identity Option' },
  'retain-uids': { value: '113110', meaning: 'Retain UIDs Option' },
  'retain-safe-private': { value: '113111', meaning: 'Retain Safe Private Option' },
  'retain-institution-identity': { value: '113112', meaning: 'Retain Institution Identity Option' },
};

export const deidOptions = Object.keys(optionCodes) as DeidOption[];

/** Options that cannot be used together: dates are either kept as they are or shifted. */
export const EXCLUSIVE_OPTIONS: readonly (readonly [DeidOption, DeidOption])[] = [['retain-full-dates', 'modified-dates']];

/** Why these options cannot be used together, or null when they can. */
export function optionConflict(options: Iterable<DeidOption>): string | null {
  const chosen = new Set(options);
  const clash = EXCLUSIVE_OPTIONS.find(([a, b]) => chosen.has(a) && chosen.has(b));
  return clash ? `the options ${clash[0]} and ${clash[1]} exclude each other (dates are either kept as they are or shifted)` : null;
}
