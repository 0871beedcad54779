// The one definition of how an image's grey-scale window is chosen (PS3.3 C.11.2.1.2): the viewer and
// `vesalius render` both call this, so a file shows the same on screen and in an exported PNG.

/** A linear VOI window in modality-LUT output units (HU for CT). */
export interface VoiWindow {
  center: number;
  width: number;
}

/** Where the window came from: the file's own (0028,1050/1051), or the data's range because it had none usable. */
export type VoiSource = 'file' | 'data-range';

export interface ChosenWindow extends VoiWindow {
  source: VoiSource;
}

/** The smallest and largest value after the modality LUT. */
export interface ValueRange {
  min: number;
  max: number;
}

/**
 * Maps the stored pixel range through the modality LUT (rescale slope and intercept). A negative
 * slope swaps the ends; absent or non-finite slope/intercept are 1 and 0, as PS3.3 C.11.1.1.2 reads.
 */
export function modalityRange(stored: ValueRange, slope: number | null | undefined, intercept: number | null | undefined): ValueRange {
  const m = typeof slope === 'number' && Number.isFinite(slope) && slope !== 0 ? slope : 1;
  const b = typeof intercept === 'number' && Number.isFinite(intercept) ? intercept : 0;
  const a = stored.min * m + b;
  const c = stored.max * m + b;
  return { min: Math.min(a, c), max: Math.max(a, c) };
}

/**
 * The window to display with: the file's first window whose width is a finite number above zero
 * (a width of 0 or below, or a non-numeric one, would show a black or inverted image), else one that
 * spans the data's range exactly. A flat image (min = max) gets width 1 around its value.
 */
export function chooseVoiWindow(
  fileCenters: readonly number[] | null | undefined,
  fileWidths: readonly number[] | null | undefined,
  range: ValueRange,
): ChosenWindow {
  const center = fileCenters?.[0];
  const width = fileWidths?.[0];
  if (typeof center === 'number' && Number.isFinite(center) && typeof width === 'number' && Number.isFinite(width) && width > 0) {
    return { center, width, source: 'file' };
  }
  return { ...windowOfRange(range), source: 'data-range' };
}

/** The window that maps `range` onto the whole display range. */
export function windowOfRange(range: ValueRange): VoiWindow {
  const width = range.max - range.min;
  if (!(width > 0)) return { center: Number.isFinite(range.min) ? range.min : 0, width: 1 };
  return { center: range.min + width / 2, width };
}

/** VOI LUT Function (0028,1056); LINEAR when absent or unknown, as PS3.3 C.11.2.1.3 says. */
export type VoiFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

export function voiFunctionOf(text: string | null | undefined): VoiFunction {
  const name = (text ?? '').trim().toUpperCase();
  return name === 'LINEAR_EXACT' || name === 'SIGMOID' ? name : 'LINEAR';
}

/**
 * The function a window is applied with: the file's, except LINEAR below width 1, where the
 * standard's formula is undefined (its band comes out reversed), and a window taken from the range
 * of real values (Float Pixel Data): LINEAR's half-unit terms (c - 0.5, w - 1) assume integer
 * steps, so a parametric map of 0 .. 1, a dose in Gy or an SUV range is windowed exactly instead.
 * The viewer and `vesalius render` both use it.
 */
export function effectiveVoiFunction(fn: VoiFunction, width: number, realValuedDataRange = false): VoiFunction {
  return fn === 'LINEAR' && (width < 1 || realValuedDataRange) ? 'LINEAR_EXACT' : fn;
}

/**
 * The VOI function of PS3.3 C.11.2.1.2 / C.11.2.1.3: maps a modality-LUT output value `x` through the
 * window onto [0, outputMax]. LINEAR's band is c - 0.5 ± (w - 1) / 2 (a width of 1 or less is a
 * threshold at c - 0.5); LINEAR_EXACT's is c ± w / 2; SIGMOID is 1 / (1 + e^(-4 (x - c) / w)).
 */
export function applyVoiFunction(x: number, window: VoiWindow, fn: VoiFunction, outputMax: number): number {
  const { center: c, width: w } = window;
  if (fn === 'SIGMOID') return outputMax / (1 + Math.exp((-4 * (x - c)) / w));
  if (fn === 'LINEAR_EXACT') {
    if (x <= c - w / 2) return 0;
    if (x > c + w / 2) return outputMax;
    return ((x - c) / w + 0.5) * outputMax;
  }
  if (w <= 1) return x <= c - 0.5 ? 0 : outputMax;
  if (x <= c - 0.5 - (w - 1) / 2) return 0;
  if (x > c - 0.5 + (w - 1) / 2) return outputMax;
  return ((x - (c - 0.5)) / (w - 1) + 0.5) * outputMax;
}
