/**
 * DICOM's numeric strings read exactly (PS3.5 6.2): DS is a decimal number, optionally with an
 * exponent; IS a signed integer. parseFloat / parseInt would read "1.5abc" as 1.5 and "" as NaN.
 * Padding is trimmed by the caller (or here, per value).
 */
export const DECIMAL_STRING = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
export const INTEGER_STRING = /^[+-]?[0-9]+$/;

/** The values of a multi-valued DS text ("1\2.5\-3"), or null when any is not a finite decimal string. */
export function decimalValues(text: string): number[] | null {
  const values: number[] = [];
  for (const part of text.split('\\')) {
    const trimmed = part.replace(/\0/g, '').trim();
    if (!DECIMAL_STRING.test(trimmed)) return null;
    const value = Number(trimmed);
    if (!Number.isFinite(value)) return null;
    values.push(value);
  }
  return values;
}

/** An IS text's value, or null when it is not one safe integer. */
export function integerValue(text: string): number | null {
  const trimmed = text.replace(/\0/g, '').trim();
  if (!INTEGER_STRING.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : null;
}
