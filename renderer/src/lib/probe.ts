/** What the pixel probe shows for one stored sample. */
export interface ProbeReading {
  /** Image column and row (0-based). */
  column: number;
  row: number;
  /** Value in display units: HU for CT, otherwise the modality value. */
  value: number;
  unit: 'HU' | '';
}

export interface ProbeImage {
  columns: number;
  rows: number;
  modality: string;
  /** The pixel buffer as cornerstone holds it. */
  pixels: ArrayLike<number>;
  /** True when the loader already applied the modality LUT (slope/intercept) to `pixels`. */
  prescaled: boolean;
  rescaleSlope: number;
  rescaleIntercept: number;
}

/**
 * Reads the value at fractional image coordinates as cornerstone's worldToImageCoords returns
 * them: i along the row (column index), j down the columns (row index), measured from the
 * image's outer corner, so pixel k spans [k, k+1). Returns null outside the image.
 */
export function probeAt(image: ProbeImage, i: number, j: number): ProbeReading | null {
  const column = Math.floor(i);
  const row = Math.floor(j);
  if (column < 0 || row < 0 || column >= image.columns || row >= image.rows) return null;
  return { column, row, value: modalityValue(image, row * image.columns + column), unit: image.modality === 'CT' ? 'HU' : '' };
}

/** The modality value (HU for CT) of one stored sample: the modality LUT applied unless the loader did. */
export function modalityValue(image: ProbeImage, index: number): number {
  const stored = image.pixels[index];
  return image.prescaled ? stored : stored * image.rescaleSlope + image.rescaleIntercept;
}

export const formatProbe = (reading: ProbeReading): string => {
  const rounded = Number.isInteger(reading.value) ? reading.value : Math.round(reading.value * 10) / 10;
  return `(${reading.column}, ${reading.row}) ${rounded}${reading.unit ? ` ${reading.unit}` : ''}`;
};
