/**
 * Words that mean a JavaScript engine or library message reached a reason unwrapped: a person
 * cannot act on "Cannot read properties of undefined" or zlib's "incorrect header check". Values
 * quoted from the file ("…", JSON-escaped) are left out before matching, so a file whose Number of
 * Frames reads "NaN" may say so.
 */
export const UNWRAPPED_PATTERNS: readonly RegExp[] = [
  /Cannot read propert/i,
  /Cannot set propert/i,
  /is not a function/,
  /is not iterable/,
  /is not defined/,
  /Maximum call stack/i,
  /\bundefined\b(?! length)/, // "undefined length" is DICOM's own term
  /\bnull\b/,
  /\bNaN\b/,
  /-?\bInfinity\b/,
  /\[object /,
  /Invalid typed array length/i,
  /Invalid array length/i,
  /Array buffer allocation failed/i,
  /out of bounds/i,
  /Offset is outside/i,
  /outside the bounds/i,
  /RangeError|TypeError|SyntaxError|ReferenceError/,
  /incorrect header check/i,
  /invalid stored block/i,
  /unexpected end of file/i,
  /invalid (?:block type|distance|code lengths|literal|bit length)/i,
  /too many length or distance symbols/i,
  /incorrect data check|header crc mismatch|invalid window size/i,
  /ERR_[A-Z_]+/,
  /\bZ_[A-Z_]+\b/,
  /waitng|read requests/i, // pngjs's stream internals
  /dicomParser\.|readFixedString|ByteStream|maxPosition/,
  /E[A-Z]+: E[A-Z]+:/,
  /\bENOENT\b/,
  /Unexpected token/i,
  /JSON\.parse|in JSON at position/,
  /Cannot create a (?:Buffer|string) longer|Buffer larger than/i,
  /heap out of memory|Reached heap limit/i,
  /\bat [A-Za-z_$.]+ \(.*:\d+:\d+\)/, // a stack trace line
];

/** Strips values a reason quotes from the file: JSON-style "…" strings and '…' strings. */
function withoutQuotedValues(reason: string): string {
  return reason.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/'[^']*'/g, "''");
}

/** The first pattern an unwrapped engine/library message matches in `reason`, or null. */
export function unwrappedMessage(reason: string): string | null {
  const text = withoutQuotedValues(reason);
  for (const pattern of UNWRAPPED_PATTERNS) if (pattern.test(text)) return String(pattern);
  return null;
}
