// A segment colour as the <input type="color"> value (#rrggbb) and back.

export const rgbToHex = (rgb: readonly [number, number, number]): string => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

/** #rrggbb → [r, g, b]; anything else is black (the colour input only ever gives #rrggbb). */
export function hexToRgb(hex: string): [number, number, number] {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return match ? [parseInt(match[1], 16), parseInt(match[2], 16), parseInt(match[3], 16)] : [0, 0, 0];
}
