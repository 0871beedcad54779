import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import { colourBarAt, colourBarsFixture, storedForLevel, type ColourBarsSpec } from '../../../../core/fixtures/colour-bars';
import { fixtureSyntaxUid } from '../../../../core/fixtures/dicom-writer';
import { imageFixture } from '../../../../core/render/render-fixtures';
import { renderFrame } from '../../../../core/render/render-frame';
import { RenderRefusal } from '../../../../core/render/render-refusal';
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, DEFLATED_LE } from '../../../../core/dicom/transfer-syntax';
import { isNativeDeepRgb, nativeRgbTo8Bits } from './deepRgbFrame';

/** Inflates a deflated data set as cornerstone's data-set loader does (its bytes before `position` kept). */
const inflater = (bytes: Uint8Array, position: number): Uint8Array => {
  const inflated = inflateRawSync(bytes.subarray(position));
  const whole = new Uint8Array(position + inflated.length);
  whole.set(bytes.subarray(0, position));
  whole.set(inflated, position);
  return whole;
};

const converted = (file: Uint8Array, syntax: string, frameIndex = 0) => {
  const dataSet = dicomParser.parseDicom(new Uint8Array(file), { inflater });
  return nativeRgbTo8Bits(dataSet.byteArray, dataSet, syntax, frameIndex);
};

/** Every pixel of a converted colour-bars image against the bar it lies in. */
function expectBars(rgb: Uint8Array, rows: number, columns: number): void {
  expect(rgb.length).toBe(rows * columns * 3);
  const wrong: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const at = (r * columns + c) * 3;
      const got = [rgb[at], rgb[at + 1], rgb[at + 2]];
      const want = colourBarAt(c, columns);
      if (got.some((v, i) => v !== want[i])) wrong.push(`(${r}, ${c}): ${got} not ${want}`);
    }
  }
  expect(wrong.slice(0, 5)).toEqual([]);
}

describe('native 16- and 32-bit RGB → 8-bit RGB for the viewer (scaled by Bits Stored)', () => {
  const cases: ColourBarsSpec[] = [];
  for (const syntax of ['explicit-le', 'implicit-le', 'explicit-be', 'deflate'] as const) {
    for (const planarConfiguration of [0, 1] as const) {
      cases.push({ bitsAllocated: 32, syntax, planarConfiguration });
      cases.push({ bitsAllocated: 32, bitsStored: 24, syntax, planarConfiguration, bitsAboveHighBit: true });
      cases.push({ bitsAllocated: 32, bitsStored: 12, syntax, planarConfiguration, bitsAboveHighBit: true });
    }
  }
  for (const spec of cases) {
    it(`${spec.syntax}, planar configuration ${spec.planarConfiguration}, ${spec.bitsStored ?? 32} bits stored${spec.bitsAboveHighBit ? ' (bits above High Bit set)' : ''}: the bars' exact colours`, () => {
      const out = converted(colourBarsFixture(spec), fixtureSyntaxUid[spec.syntax]);
      expect([out.rows, out.columns, out.bitsStored]).toEqual([16, 64, spec.bitsStored ?? 32]);
      expectBars(out.rgb, 16, 64);
    });
  }

  it('the viewer shows the bytes `vesalius render` writes (one scaling, core/imaging/colour-depth)', async () => {
    for (const spec of cases) {
      const file = colourBarsFixture({ ...spec, rows: 3, columns: 16 });
      const png = await renderFrame(file);
      if (!png.ok) throw new Error(png.reason);
      expect(Buffer.from(converted(file, fixtureSyntaxUid[spec.syntax]).rgb).equals(Buffer.from(png.pixels))).toBe(true);
    }
  });

  it('16-bit RGB goes the same way (both byte orders and planar configurations, 12 bits stored)', () => {
    for (const syntax of ['explicit-le', 'explicit-be'] as const) {
      for (const planarConfiguration of [0, 1] as const) {
        expectBars(converted(colourBarsFixture({ bitsAllocated: 16, syntax, planarConfiguration }), fixtureSyntaxUid[syntax]).rgb, 16, 64);
        expectBars(converted(colourBarsFixture({ bitsAllocated: 16, bitsStored: 12, bitsAboveHighBit: true, syntax, planarConfiguration }), fixtureSyntaxUid[syntax]).rgb, 16, 64);
      }
    }
  });

  it('a dark image stays dark: the scale is the bits stored, not the range the data uses', () => {
    // Every sample a quarter of the 32-bit range: 64 × 16843009 shows as 64, not stretched to white.
    const quarter = storedForLevel(64, 32);
    const file = imageFixture({ rows: 1, columns: 2, bitsAllocated: 32, samplesPerPixel: 3, photometric: 'RGB', frames: [[quarter, quarter, 0, 0, quarter, quarter]] });
    expect([...converted(file, EXPLICIT_LE).rgb]).toEqual([64, 64, 0, 0, 64, 64]);
  });

  it('YBR_FULL with 32-bit samples is converted to RGB (PS3.3 C.7.6.3.1.2), chroma centred on 2^31', () => {
    const mid = 2 ** 31;
    const file = imageFixture({ rows: 1, columns: 1, bitsAllocated: 32, samplesPerPixel: 3, photometric: 'YBR_FULL', syntax: 'explicit-be', frames: [[storedForLevel(200, 32), mid, mid]] });
    expect([...converted(file, EXPLICIT_BE).rgb]).toEqual([200, 200, 200]);
  });

  it('the second frame of a multi-frame file', () => {
    const max = 2 ** 32 - 1;
    const file = imageFixture({ rows: 1, columns: 1, bitsAllocated: 32, samplesPerPixel: 3, photometric: 'RGB', syntax: 'explicit-be', frames: [[max, 0, 0], [0, 0, max]] });
    expect([...converted(file, EXPLICIT_BE, 1).rgb]).toEqual([0, 0, 255]);
    expect(() => converted(file, EXPLICIT_BE, 2)).toThrow('there is no frame 3: the image has 2 frame(s)');
  });

  it('short pixel data is refused with what core/render says, not read past', () => {
    const file = colourBarsFixture({ bitsAllocated: 32, syntax: 'explicit-le', planarConfiguration: 0, rows: 2, columns: 8 });
    // Claim more rows than the pixel data holds: Rows (0028,0010) is the US value after its tag in explicit VR LE.
    const bytes = new Uint8Array(file);
    const rowsAt = Buffer.from(bytes).indexOf(Buffer.from([0x28, 0x00, 0x10, 0x00, 0x55, 0x53, 0x02, 0x00]));
    new DataView(bytes.buffer).setUint16(rowsAt + 8, 3, true);
    let thrown: unknown;
    try {
      converted(bytes, EXPLICIT_LE);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RenderRefusal);
    expect((thrown as RenderRefusal).reason).toBe('Pixel Data (7FE0,0010) holds 192 bytes, but 3 × 8 × 1 frame(s) × 3 sample(s) × 32 bits need 288');
  });
});

describe('which images take this path', () => {
  const rgb32 = { bitsAllocated: 32, samplesPerPixel: 3, photometricInterpretation: 'RGB' };
  it('16- and 32-bit RGB and YBR_FULL in the native syntaxes, the deflated one included', () => {
    for (const syntax of [EXPLICIT_LE, IMPLICIT_LE, EXPLICIT_BE, DEFLATED_LE]) {
      for (const bitsAllocated of [16, 32]) {
        expect(isNativeDeepRgb(syntax, { ...rgb32, bitsAllocated })).toBe(true);
        expect(isNativeDeepRgb(syntax, { ...rgb32, bitsAllocated, photometricInterpretation: 'YBR_FULL' })).toBe(true);
      }
    }
  });
  it('not 8-bit colour (cornerstone shows it), 32-bit grey (bigEndian32.ts), palette colour, 4:2:2, or a compressed syntax', () => {
    expect(isNativeDeepRgb(EXPLICIT_LE, { ...rgb32, bitsAllocated: 8 })).toBe(false);
    expect(isNativeDeepRgb(EXPLICIT_BE, { bitsAllocated: 32, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2' })).toBe(false);
    expect(isNativeDeepRgb(EXPLICIT_LE, { bitsAllocated: 16, samplesPerPixel: 1, photometricInterpretation: 'PALETTE COLOR' })).toBe(false);
    expect(isNativeDeepRgb(EXPLICIT_LE, { ...rgb32, bitsAllocated: 16, photometricInterpretation: 'YBR_FULL_422' })).toBe(false);
    expect(isNativeDeepRgb('1.2.840.10008.1.2.5', rgb32)).toBe(false);
    expect(isNativeDeepRgb(EXPLICIT_LE, undefined)).toBe(false);
  });
});
