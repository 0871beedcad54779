// Reading the attribute values rendering needs from a parsed data set (dicom-parser's DataSet or the
// fast header's), strictly: a malformed number is refused with its tag, never read as a prefix.
import type { DataSet } from 'dicom-parser';
import { elementLength } from '../dicom/fast-header';
import { decimalValues, integerValue } from '../dicom/numeric-strings';
import { tagLabel } from '../dicom/tag-label';
import { RenderRefusal } from './render-refusal';


export const hasElement = (dataSet: DataSet, tag: string): boolean => elementLength(dataSet, tag) !== undefined;

/** A string value without its NUL/space padding; '' when absent. */
export function textValue(dataSet: DataSet, tag: string): string {
  if (!hasElement(dataSet, tag)) return '';
  try {
    return (dataSet.string(tag) ?? '').replace(/\0+$/g, '').trim();
  } catch {
    return '';
  }
}

/** The value of a US element, or null when absent; refused when shorter than 2 bytes. */
export function us(dataSet: DataSet, tag: string, name: string): number | null {
  const length = elementLength(dataSet, tag);
  if (length === undefined) return null;
  if (length < 2) throw new RenderRefusal(`${name} ${tagLabel(tag)} has ${length} bytes, a US value needs 2`);
  return dataSet.uint16(tag) ?? null;
}

/** A US (or SS when `signed`) value at `index` of a multi-valued element, as the descriptor of a LUT. */
export function usAt(dataSet: DataSet, tag: string, index: number, signed: boolean): number | null {
  const length = elementLength(dataSet, tag);
  if (length === undefined || length < (index + 1) * 2) return null;
  return (signed ? dataSet.int16(tag, index) : dataSet.uint16(tag, index)) ?? null;
}

/** Every value of a DS element (empty when absent or empty); refused when any is not a decimal string. */
export function decimals(dataSet: DataSet, tag: string, name: string): number[] {
  const raw = textValue(dataSet, tag);
  if (raw === '') return [];
  const values = decimalValues(raw);
  if (!values) throw new RenderRefusal(`${name} ${tagLabel(tag)} holds ${JSON.stringify(raw.slice(0, 40))}, which is not a decimal number`);
  return values;
}

/** The first value of a DS element, or null when absent. */
export function decimal(dataSet: DataSet, tag: string, name: string): number | null {
  return decimals(dataSet, tag, name)[0] ?? null;
}

/** An IS value, or null when absent or empty; refused when it is not an integer string. */
export function integerString(dataSet: DataSet, tag: string, name: string): number | null {
  const raw = textValue(dataSet, tag);
  if (raw === '') return null;
  const value = integerValue(raw);
  if (value === null) throw new RenderRefusal(`${name} ${tagLabel(tag)} holds ${JSON.stringify(raw.slice(0, 40))}, which is not an integer`);
  return value;
}

/** The data set of item `index` of a sequence, or null. */
export function sequenceItem(dataSet: DataSet, tag: string, index = 0): DataSet | null {
  return dataSet.elements[tag]?.items?.[index]?.dataSet ?? null;
}
