// What one de-identified export keeps consistent across all its files: the UID mapping (the same source
// UID becomes the same new UID in every file, references included, so a series stays one series and a
// SEG still points at its images), each patient's pseudonym and each patient's date shift.
import { randomInt } from 'node:crypto';
import { newUid } from '../../dicom/part10-writer';
import { optionConflict, type DeidOption } from './method-codes';

export interface PatientPseudonym {
  /** Written as Patient ID and Patient's Name: the same for every file of the patient in this export. */
  pseudonym: string;
  /** Days added to every date of the patient (Modified Dates option): negative, the same in every file. */
  dayShift: number;
}

/** Shifts between one and eleven years back: far enough that no real date survives, whole days so times and intervals stay. */
const MIN_SHIFT_DAYS = 365;
const MAX_SHIFT_DAYS = 365 * 11;

export class DeidSession {
  readonly options: ReadonlySet<DeidOption>;
  private readonly uids = new Map<string, string>();
  private readonly patients = new Map<string, PatientPseudonym>();

  constructor(options: Iterable<DeidOption> = []) {
    this.options = new Set(options);
    const conflict = optionConflict(this.options);
    if (conflict) throw new Error(`de-identification: ${conflict}`);
  }

  /** The export's replacement for a source UID (2.25.<random 128-bit integer>, PS3.5 B.2), made on first sight. */
  uidFor(source: string): string {
    let replacement = this.uids.get(source);
    if (!replacement) {
      replacement = newUid();
      this.uids.set(source, replacement);
    }
    return replacement;
  }

  /** The pseudonym and date shift of the patient a file names (key: its Patient ID and issuer, else its name). */
  patientFor(key: string): PatientPseudonym {
    let patient = this.patients.get(key);
    if (!patient) {
      patient = { pseudonym: `ANON${String(this.patients.size + 1).padStart(4, '0')}`, dayShift: -randomInt(MIN_SHIFT_DAYS, MAX_SHIFT_DAYS + 1) };
      this.patients.set(key, patient);
    }
    return patient;
  }

  /** Identifying values seen in the export's files (names, IDs, institution, dates), cut out of the texts Clean Descriptors keeps. */
  private readonly identifying = new Set<string>();
  private pattern: { size: number; regex: RegExp | null } = { size: 0, regex: null };

  addIdentifying(values: Iterable<string>): void {
    for (const value of values) this.identifying.add(value);
  }

  /** One pattern of every identifying value seen so far, longest first (rebuilt only when a value was added); null when none. */
  identifyingPattern(): RegExp | null {
    if (this.pattern.size !== this.identifying.size) {
      const escaped = [...this.identifying].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.pattern = { size: this.identifying.size, regex: escaped.length > 0 ? new RegExp(escaped.join('|'), 'gi') : null };
    }
    return this.pattern.regex;
  }

  get uidCount(): number {
    return this.uids.size;
  }
}
