// Comma-separated values as RFC 4180 writes them: CRLF between records (and after the last), a field
// quoted when it holds a comma, a double quote, CR or LF, its quotes doubled. Text that a spreadsheet
// would run as a formula is defused (OWASP "CSV injection"). Pure.

/** One cell: text as given, numbers at full precision, null / undefined as an empty field. */
export type CsvValue = string | number | boolean | null | undefined;

const NEEDS_QUOTES = /[",\r\n]/;
/** Text cells a spreadsheet reads as a formula (or a formula after a tab / CR): a leading ' keeps them text. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field, quoted only where RFC 4180 needs it. Non-finite numbers (NaN, ±Infinity) are written as empty:
 * no reader agrees on them. Text starting with = + - @ TAB or CR (a segment named "=HYPERLINK(…)", a file
 * name from an untrusted folder) gets a leading ' so a spreadsheet shows it instead of running it; numbers
 * are written as numbers, so a negative value stays -850.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header record and the data records; every record must have the header's number of fields. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [header.map(csvField).join(',')];
  rows.forEach((row, index) => {
    if (row.length !== header.length) throw new Error(`CSV record ${index + 1} has ${row.length} fields, the header ${header.length}`);
    lines.push(row.map(csvField).join(','));
  });
  return lines.map((line) => `${line}\r\n`).join('');
}
