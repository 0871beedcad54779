// Segment colours as DICOM carries them: RecommendedDisplayCIELabValue (0062,000D), three 16-bit
// integers for CIELab (PS3.3 C.10.7.1.1). The one sRGB ↔ DICOM Lab conversion: the SEG writer encodes
// with it and the SEG reader decodes with its inverse, so a colour round-trips exactly.
import type { Rgb } from '../annotations/palette';

/** D65 reference white (CIE 1931 2°), as dcmjs and most viewers use for SEG colours. */
const WHITE: readonly [number, number, number] = [0.95047, 1.0, 1.08883];
/** CIELab's linear/cube-root switch: (6/29)^3, and the slope of the linear part. */
const EPSILON = (6 / 29) ** 3;
const KAPPA_SLOPE = (29 / 6) ** 2 / 3;

const srgbToLinear = (channel: number): number => {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const linearToSrgb = (linear: number): number => {
  const c = linear <= 0.0031308 ? linear * 12.92 : 1.055 * linear ** (1 / 2.4) - 0.055;
  return Math.min(255, Math.max(0, Math.round(c * 255)));
};
const f = (t: number): number => (t > EPSILON ? Math.cbrt(t) : t * KAPPA_SLOPE + 4 / 29);
const fInverse = (t: number): number => (t > 6 / 29 ? t ** 3 : (t - 4 / 29) / KAPPA_SLOPE);

/** sRGB 0–255 → CIELab (L* 0–100, a* and b* about −128…127). */
export function rgbToLab(rgb: Rgb): [number, number, number] {
  const [r, g, b] = rgb.map(srgbToLinear);
  // sRGB primaries → XYZ (IEC 61966-2-1), then relative to the white point.
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / WHITE[0];
  const y = (0.2126729 * r + 0.7151522 * g + 0.072175 * b) / WHITE[1];
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / WHITE[2];
  const [fx, fy, fz] = [f(x), f(y), f(z)];
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** CIELab → sRGB 0–255 (out-of-gamut values are clipped). */
export function labToRgb(lab: readonly [number, number, number]): [number, number, number] {
  const fy = (lab[0] + 16) / 116;
  const x = fInverse(fy + lab[1] / 500) * WHITE[0];
  const y = fInverse(fy) * WHITE[1];
  const z = fInverse(fy - lab[2] / 200) * WHITE[2];
  const r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
  const g = -0.969266 * x + 1.8760108 * y + 0.041556 * z;
  const b = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
  return [linearToSrgb(r), linearToSrgb(g), linearToSrgb(b)];
}

const clamp16 = (v: number): number => Math.min(0xffff, Math.max(0, Math.round(v)));

/** sRGB → RecommendedDisplayCIELabValue: L* 0…100 → 0…0xFFFF, a* and b* −128…127 → 0…0xFFFF. */
export function rgbToDicomLab(rgb: Rgb): [number, number, number] {
  const [l, a, b] = rgbToLab(rgb);
  return [clamp16((l * 0xffff) / 100), clamp16(((a + 128) * 0xffff) / 255), clamp16(((b + 128) * 0xffff) / 255)];
}

/** RecommendedDisplayCIELabValue → sRGB: the inverse of rgbToDicomLab. */
export function dicomLabToRgb(value: readonly number[]): [number, number, number] {
  return labToRgb([(value[0] * 100) / 0xffff, (value[1] * 255) / 0xffff - 128, (value[2] * 255) / 0xffff - 128]);
}
