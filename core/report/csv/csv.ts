// Comma-separated values as RFC 4180 writes them: CRLF between records (and after the last), a field
// quoted when it holds a comma, a double quote, CR or LF, its quotes doubled. Pure.

/** One cell: text as given, numbers at full precision, null / undefined as an empty field. */
export type CsvValue = string | number | boolean | null | undefined;

const NEEDS_QUOTES = /[",\r\n]/;

/** One field, quoted only where RFC 4180 needs it. Non-finite numbers (NaN, ±Infinity) are written as empty: no reader agrees on them. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = String(value);
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
