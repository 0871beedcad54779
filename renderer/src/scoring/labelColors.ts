import { labelColor, type Rgb } from '../../../core/annotations/palette';
import type { MaskSetInfo } from '../../../core/contract/masks';

/** RGB for a label value: one palette for the store's new segments and every overlay (core/annotations/palette). */
export { labelColor };

export const cssColor = (label: number): string => `rgb(${labelColor(label).join(' ')})`;

/** A mask set's segment in its own colour (a SEG's recommended colour, a drawn segment's), else the palette's. */
export function segmentColor(info: Pick<MaskSetInfo, 'segments'>, number: number): Rgb {
  return info.segments.find((s) => s.number === number)?.color ?? labelColor(number);
}

/** The agreement overlay's three colours (TP green, FP red, FN blue), shared by the view and the legend. */
export const agreementColors = {
  tp: [0, 200, 83],
  fp: [235, 40, 40],
  fn: [40, 110, 255],
} as const satisfies Record<string, readonly [number, number, number]>;
