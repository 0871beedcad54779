import { chooseVoiWindow, modalityRange, type ChosenWindow } from '../../../core/imaging/voi';

/** What the viewer knows of a decoded grey-scale image to choose its window. */
export interface DecodedGrey {
  minPixelValue: number;
  maxPixelValue: number;
  slope: number | undefined;
  intercept: number | undefined;
  /** The decoder already applied the modality LUT (cornerstone's preScale): min/max are its output. */
  prescaled: boolean;
}

/** (0028,1050/1051) as cornerstone's metadata hands them over: arrays, a number, or DICOM's backslash text. */
export const windowValues = (value: unknown): number[] | null =>
  Array.isArray(value) ? value.map(Number) : typeof value === 'number' ? [value] : typeof value === 'string' ? value.split('\\').map(Number) : null;

/** The window a decoded image opens with: core/imaging/voi's one choice, on the range after the modality LUT. */
export function windowForDecodedImage(image: DecodedGrey, fileCenters: unknown, fileWidths: unknown): ChosenWindow {
  const stored = { min: image.minPixelValue, max: image.maxPixelValue };
  const range = image.prescaled ? stored : modalityRange(stored, image.slope, image.intercept);
  return chooseVoiWindow(windowValues(fileCenters), windowValues(fileWidths), range);
}
