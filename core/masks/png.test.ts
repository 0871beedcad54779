import { describe, expect, it } from 'vitest';
import { labelPng, rgbPng } from './mask-fixtures';
import { decodeGrayPng, decodePngLabels } from './png';

describe('decodePngLabels', () => {
  it('reads an 8-bit grayscale label PNG x-fastest with its raw label values', () => {
    const values = [0, 1, 7, 255, 1, 0];
    const volume = decodePngLabels(labelPng(3, 2, values), 'a.png');
    expect(volume.shape).toEqual([3, 2, 1]);
    expect(volume.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(volume.data)).toEqual(values);
    expect(volume.source).toBe('a.png');
    expect(volume.spacingMm).toEqual([1, 1, 1]);
  });

  it('keeps 16-bit labels unscaled (1000 stays 1000)', () => {
    const values = [0, 1000, 1, 65535];
    const volume = decodePngLabels(labelPng(2, 2, values, 16), 'b.png');
    expect(volume.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(volume.data)).toEqual(values);
  });

  it('accepts an RGB PNG whose channels are equal, taking the shared value as the label', () => {
    const volume = decodePngLabels(rgbPng(2, 1, [[3, 3, 3], [0, 0, 0]]), 'c.png');
    expect(Array.from(volume.data)).toEqual([3, 0]);
  });

  it('rejects a colour PNG with unequal channels, naming the file and the pixel', () => {
    expect(() => decodePngLabels(rgbPng(2, 1, [[0, 0, 0], [255, 0, 0]]), 'colour.png')).toThrow(
      /colour\.png: colour image with unequal channels at pixel \(1, 0\)/,
    );
  });

  it('rejects bytes that are not a PNG and a PNG cut short, naming the file', () => {
    expect(() => decodePngLabels(new TextEncoder().encode('hello'), 'notes.png')).toThrow(/notes\.png: not a PNG/);
    const whole = labelPng(8, 8, new Array(64).fill(1));
    expect(() => decodePngLabels(whole.subarray(0, 40), 'cut.png')).toThrow(/cut\.png: corrupt PNG/);
  });
});

describe('decodeGrayPng limits', () => {
  it('refuses a header claiming 1 × 2,147,483,647 pixels before decoding anything', () => {
    const png = Buffer.from(labelPng(2, 2, [0, 1, 1, 0]));
    png.writeUInt32BE(1, 16);
    png.writeUInt32BE(2_147_483_647, 20);
    expect(() => decodeGrayPng(png, 'bomb.png', 'a label mask')).toThrow(/bomb\.png.*1 × 2147483647 pixels is over the .*-pixel limit/);
  });

  it('keeps 16-bit values and names the image kind when refusing colour', () => {
    const gray = decodeGrayPng(labelPng(2, 1, [0, 60000], 16), 'ct.png', 'a dataset image');
    expect(gray).toMatchObject({ width: 2, height: 1, bitDepth: 16 });
    expect([...gray.values]).toEqual([0, 60000]);
    expect(() => decodeGrayPng(rgbPng(1, 1, [[1, 2, 3]]), 'c.png', 'a dataset image')).toThrow(/a dataset image must be grayscale/);
  });
});
