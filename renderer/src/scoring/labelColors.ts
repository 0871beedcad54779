import { labelColor } from '../../../core/annotations/palette';

/** RGB for a label value: one palette for the store's new segments and every overlay (core/annotations/palette). */
export { labelColor };

export const cssColor = (label: number): string => `rgb(${labelColor(label).join(' ')})`;

/** The agreement overlay's three colours (TP green, FP red, FN blue), shared by the painter and the legend. */
export const agreementColors = {
  tp: [0, 200, 83],
  fp: [235, 40, 40],
  fn: [40, 110, 255],
} as const satisfies Record<string, readonly [number, number, number]>;
