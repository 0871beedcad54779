import { describe, expect, it } from 'vitest';
import { dicomLabToRgb, rgbToDicomLab, rgbToLab } from './cielab';

describe('sRGB ↔ DICOM CIELab', () => {
  it('gives the CIELab of known colours (D65 white)', () => {
    const close = (rgb: [number, number, number], lab: [number, number, number]) => rgbToLab(rgb).forEach((v, i) => expect(v).toBeCloseTo(lab[i], 1));
    close([255, 255, 255], [100, 0, 0]);
    close([0, 0, 0], [0, 0, 0]);
    close([255, 0, 0], [53.24, 80.09, 67.2]);
    close([0, 255, 0], [87.73, -86.18, 83.18]);
  });
  it('encodes white and black at the ends of the 16-bit range, a* = b* = 0 at the middle', () => {
    expect(rgbToDicomLab([255, 255, 255])).toEqual([65535, 32896, 32896]);
    expect(rgbToDicomLab([0, 0, 0])).toEqual([0, 32896, 32896]);
  });
  it('round-trips every colour of a coarse grid and random colours exactly', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 8) % 256;
    const colours: [number, number, number][] = [];
    for (let r = 0; r < 256; r += 15) for (let g = 0; g < 256; g += 15) for (let b = 0; b < 256; b += 15) colours.push([r, g, b]);
    for (let k = 0; k < 2000; k++) colours.push([random(), random(), random()]);
    for (const rgb of colours) expect(dicomLabToRgb(rgbToDicomLab(rgb))).toEqual(rgb);
  });
});
