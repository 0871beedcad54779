// Default segment colours: one definition for the store (new segments) and the renderer (overlays).

export type Rgb = readonly [number, number, number];

/** A fixed table for the common small labels, then golden-angle hues, so neighbours differ. */
const fixed: readonly Rgb[] = [
  [0, 0, 0],
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
];

/** RGB (0–255) for a label value or segment number. */
export function labelColor(label: number): Rgb {
  const known = fixed[label];
  if (known && label > 0) return known;
  const hue = (Math.abs(label) * 137.508) % 360;
  return hslToRgb(hue, 0.75, 0.55);
}

function hslToRgb(hue: number, saturation: number, lightness: number): [number, number, number] {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const h = hue / 60;
  const x = chroma * (1 - Math.abs((h % 2) - 1));
  const [r, g, b] = h < 1 ? [chroma, x, 0] : h < 2 ? [x, chroma, 0] : h < 3 ? [0, chroma, x] : h < 4 ? [0, x, chroma] : h < 5 ? [x, 0, chroma] : [chroma, 0, x];
  const m = lightness - chroma / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}
