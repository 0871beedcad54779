// Values as the DICOM value representations of written objects want them (PS3.5 6.2): one definition
// for every writer (SEG, SR, Encapsulated PDF).

/** DA: YYYYMMDD (UTC). */
export const dicomDate = (d: Date): string => d.toISOString().slice(0, 10).replace(/-/g, '');

/** TM: HHMMSS (UTC). */
export const dicomTime = (d: Date): string => d.toISOString().slice(11, 19).replace(/:/g, '');

/** DT: YYYYMMDDHHMMSS (UTC). */
export const dicomDateTime = (d: Date): string => `${dicomDate(d)}${dicomTime(d)}`;

/** LO: at most 64 characters; a longer text is cut, never refused. */
export const lo = (text: string): string => text.slice(0, 64);

/** SH: at most 16 characters; a longer text is cut, never refused. */
export const sh = (text: string): string => text.slice(0, 16);

/** A user name as a PN: no component or group separators (\ ^ =), at most 64 characters. */
export const personName = (author: string): string => author.replace(/[\\^=]/g, ' ').slice(0, 64);

/** A number DICOM accepts as a DS (at most 16 characters), as few digits lost as that allows. */
export function ds(value: number): number {
  if (Number.isInteger(value)) return value;
  for (let digits = 10; digits > 0; digits--) {
    const text = String(Number(value.toPrecision(digits)));
    if (text.length <= 16) return Number(text);
  }
  return Math.round(value);
}

/** A coded concept as a Code Sequence item (PS3.3 8.8): value and scheme SH, meaning LO. */
export const codeItem = (code: { value: string; scheme: string; meaning: string }): { CodeValue: string; CodingSchemeDesignator: string; CodeMeaning: string } => ({
  CodeValue: sh(code.value),
  CodingSchemeDesignator: sh(code.scheme),
  CodeMeaning: lo(code.meaning),
});
