import { describe, expect, it } from 'vitest';
import { codestreamFixture, imageFixture, paletteData16, paletteData8, rleSplitFragmentsFixture } from './render-fixtures';
import { renderFrame, type RenderedFrame, type RenderOptions } from './render-frame';

// Every expected value below is worked out by hand from the standard's formulas (PS3.3 C.11.2.1.2.1
// LINEAR: band c - 0.5 ± (w - 1) / 2, y = ((x - (c - 0.5)) / (w - 1) + 0.5) × 255; C.7.6.3.1.2 YBR_FULL).

async function rendered(bytes: Uint8Array, options?: RenderOptions): Promise<RenderedFrame> {
  const result = await renderFrame(bytes, options);
  if (!result.ok) throw new Error(`expected a rendering, got: ${result.reason}`);
  return result;
}

async function refusal(bytes: Uint8Array, options?: RenderOptions): Promise<string> {
  const result = await renderFrame(bytes, options);
  if (result.ok) throw new Error('expected a refusal');
  return result.reason;
}

describe('grey-scale', () => {
  it('MONOCHROME2 16-bit signed with rescale and the file window', async () => {
    // stored -1000, -24, 0, 1000; slope 2, intercept -100 → -2100, -148, -100, 1900.
    // Window C -100 W 401: band -300.5 .. 99.5.
    //  -148: ((-148 + 100.5) / 400 + 0.5) × 255 = 97.22 → 97;  -100: (0.5 / 400 + 0.5) × 255 = 127.82 → 128
    const bytes = imageFixture({
      rows: 2, columns: 2, bitsAllocated: 16, signed: true, frames: [[-1000, -24, 0, 1000]],
      extra: { RescaleSlope: 2, RescaleIntercept: -100, WindowCenter: -100, WindowWidth: 401 },
    });
    const out = await rendered(bytes);
    expect([...out.pixels]).toEqual([0, 97, 128, 255]);
    expect(out.channels).toBe(1);
    expect(out.applied.window).toEqual({ center: -100, width: 401, source: 'file', function: 'LINEAR' });
    expect(out.applied.rescale).toEqual({ slope: 2, intercept: -100 });
    expect(out.applied.inverted).toBe(false);
  });

  it('MONOCHROME1 is inverted', async () => {
    // C 128 W 256: band 0 .. 255, y = x; inverted 255 - x.
    const bytes = imageFixture({ rows: 1, columns: 4, bitsAllocated: 8, photometric: 'MONOCHROME1', frames: [[0, 64, 128, 255]], extra: { WindowCenter: 128, WindowWidth: 256 } });
    const out = await rendered(bytes);
    expect([...out.pixels]).toEqual([255, 191, 127, 0]);
    expect(out.applied.inverted).toBe(true);
    expect(out.applied.photometric).toBe('MONOCHROME1');
  });

  it('WindowWidth 0 falls back to the data range', async () => {
    // range 10..110 → C 60 W 100: band 10 .. 109; 20: ((20 - 59.5) / 99 + 0.5) × 255 = 25.76 → 26; 30 → 51.52 → 52
    const bytes = imageFixture({ rows: 1, columns: 4, bitsAllocated: 16, frames: [[10, 20, 30, 110]], extra: { WindowCenter: 50, WindowWidth: 0 } });
    const out = await rendered(bytes);
    expect([...out.pixels]).toEqual([0, 26, 52, 255]);
    expect(out.applied.window).toMatchObject({ center: 60, width: 100, source: 'data-range' });
  });

  it('a user window or a preset replaces the file window, and says so', async () => {
    const bytes = imageFixture({ rows: 1, columns: 2, bitsAllocated: 16, signed: true, frames: [[-600, 150]], extra: { WindowCenter: 40, WindowWidth: 400 } });
    // C -600 W 1500 (lung): -600 → (0.5 / 1499 + 0.5) × 255 = 127.59 → 128; 150 > -600.5 + 749.5 = 149 → 255
    const lung = await rendered(bytes, { window: { center: -600, width: 1500, source: 'preset' } });
    expect([...lung.pixels]).toEqual([128, 255]);
    expect(lung.applied.window?.source).toBe('preset');
    const user = await rendered(bytes, { window: { center: 150, width: 2, source: 'user' } });
    // C 150 W 2: band 149 .. 150; -600 → 0; 150: ((150 - 149.5) / 1 + 0.5) × 255 = 255
    expect([...user.pixels]).toEqual([0, 255]);
    expect(user.applied.window?.source).toBe('user');
  });

  it('the Modality LUT Sequence maps stored values through its table (below the first mapped value: entry 0; past the end: the last)', async () => {
    // descriptor [4 entries, first mapped 1, 12 bits], data 100, 200, 300, 4095: stored 0, 2, 3, 9 → 100, 200, 300, 4095
    // C 2048 W 4096 (band 0 .. 4095): 100 → ((100 - 2047.5) / 4095 + 0.5) × 255 = 6.23 → 6; 200 → 12.45 → 12; 300 → 18.68 → 19; 4095 → 255
    const lutItem = { LUTDescriptor: [4, 1, 12], ModalityLUTType: 'US', LUTData: paletteData16([100, 200, 300, 4095]) };
    const withWindow = imageFixture({ rows: 1, columns: 4, bitsAllocated: 8, frames: [[0, 2, 3, 9]], extra: { ModalityLUTSequence: [lutItem], WindowCenter: 2048, WindowWidth: 4096 } });
    const out = await rendered(withWindow);
    expect([...out.pixels]).toEqual([6, 12, 19, 255]);
    expect(out.applied.rescale).toBeNull();
    expect(out.applied.modalityLut).toEqual({ entries: 4, firstMapped: 1, bitsPerEntry: 12 });
    // Without a window, the data range is that of the table's output: 100 .. 4095
    const noWindow = imageFixture({ rows: 1, columns: 4, bitsAllocated: 8, frames: [[0, 2, 3, 9]], extra: { ModalityLUTSequence: [lutItem] } });
    expect((await rendered(noWindow)).applied.window).toMatchObject({ center: 2097.5, width: 3995, source: 'data-range' });
  });

  it('masks the bits above BitsStored (12 of 16) before anything else', async () => {
    // words 0xF064 → 0x064 = 100, 0x1FFF → 0xFFF = 4095, 0xA000 → 0; window C 2048 W 4096: band 0 .. 4095
    // 100: ((100 - 2047.5) / 4095 + 0.5) × 255 = 6.23 → 6
    const bytes = imageFixture({
      rows: 1, columns: 3, bitsAllocated: 16, bitsStored: 12, frames: [[0, 0, 0]], rawWords: [0xf064, 0x1fff, 0xa000],
      extra: { WindowCenter: 2048, WindowWidth: 4096 },
    });
    expect([...(await rendered(bytes)).pixels]).toEqual([6, 255, 0]);
  });

  it('sign-extends a 12-bit signed value stored in 16 bits', async () => {
    // 0x0FFF (12-bit two's complement) = -1; 0x0800 = -2048; 0x07FF = 2047. Window C 0 W 4096: band -2048.5 .. 2046.5
    // -1: ((-1 + 0.5) / 4095 + 0.5) × 255 = 127.47 → 127
    const bytes = imageFixture({
      rows: 1, columns: 3, bitsAllocated: 16, bitsStored: 12, signed: true, frames: [[0, 0, 0]], rawWords: [0x0fff, 0x0800, 0x07ff],
      extra: { WindowCenter: 0, WindowWidth: 4096 },
    });
    expect([...(await rendered(bytes)).pixels]).toEqual([127, 0, 255]);
  });
});

describe('colour', () => {
  it('palette colour with 8-bit entries (one per byte)', async () => {
    const red = Array.from({ length: 256 }, (_, i) => i);
    const green = red.map((i) => 255 - i);
    const blue = red.map((i) => (i * 2) & 255);
    const bytes = imageFixture({
      rows: 1, columns: 3, bitsAllocated: 8, photometric: 'PALETTE COLOR', frames: [[0, 2, 200]],
      extra: {
        RedPaletteColorLookupTableDescriptor: [256, 0, 8], GreenPaletteColorLookupTableDescriptor: [256, 0, 8], BluePaletteColorLookupTableDescriptor: [256, 0, 8],
        RedPaletteColorLookupTableData: paletteData8(red), GreenPaletteColorLookupTableData: paletteData8(green), BluePaletteColorLookupTableData: paletteData8(blue),
      },
    });
    const out = await rendered(bytes);
    expect(out.channels).toBe(3);
    expect([...out.pixels]).toEqual([0, 255, 0, 2, 253, 4, 200, 55, 144]);
    expect(out.applied.window).toBeNull();
  });

  it('palette colour with 16-bit entries and a first mapped value of 100', async () => {
    // entries for stored 100..103; 50 (below) takes entry 0, 200 (above) the last. 16 → 8 bits: round(v × 255 / 65535)
    // 65535 → 255, 32768 → 127.5019 → 128, 1000 → 3.89 → 4
    const red = [0, 65535, 32768, 1000];
    const green = [65535, 0, 1000, 32768];
    const blue = [1000, 1000, 1000, 65535];
    const descriptor = [4, 100, 16];
    const bytes = imageFixture({
      rows: 1, columns: 4, bitsAllocated: 16, photometric: 'PALETTE COLOR', frames: [[50, 101, 103, 200]],
      extra: {
        RedPaletteColorLookupTableDescriptor: descriptor, GreenPaletteColorLookupTableDescriptor: descriptor, BluePaletteColorLookupTableDescriptor: descriptor,
        RedPaletteColorLookupTableData: paletteData16(red), GreenPaletteColorLookupTableData: paletteData16(green), BluePaletteColorLookupTableData: paletteData16(blue),
      },
    });
    expect([...(await rendered(bytes)).pixels]).toEqual([0, 255, 4, 255, 0, 4, 4, 128, 255, 4, 128, 255]);
  });

  const rgbPixels = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];

  it('RGB 8-bit, planar configuration 0', async () => {
    const bytes = imageFixture({ rows: 2, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'RGB', planarConfiguration: 0, frames: [rgbPixels] });
    const out = await rendered(bytes);
    expect(out.channels).toBe(3);
    expect([...out.pixels]).toEqual(rgbPixels);
  });

  it('RGB 8-bit, planar configuration 1 (all R, then G, then B)', async () => {
    const planes = [255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30];
    const bytes = imageFixture({ rows: 2, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'RGB', planarConfiguration: 1, frames: [planes] });
    expect([...(await rendered(bytes)).pixels]).toEqual(rgbPixels);
  });

  it('RGB 16-bit, explicit VR big endian, scaled to 8 bits', async () => {
    // 65535 → 255, 32896 (128 × 257) → 128, 257 → 1
    const bytes = imageFixture({ rows: 1, columns: 2, bitsAllocated: 16, samplesPerPixel: 3, photometric: 'RGB', syntax: 'explicit-be', frames: [[65535, 0, 32896, 257, 65535, 0]] });
    const out = await rendered(bytes);
    expect(out.applied.transferSyntax.uid).toBe('1.2.840.10008.1.2.2');
    expect([...out.pixels]).toEqual([255, 0, 128, 1, 255, 0]);
  });

  it('RGB 32-bit, explicit VR big endian (each sample a big-endian 32-bit word), scaled to 8 bits', async () => {
    // round(v × 255 / (2³² - 1)): 4294967295 → 255, 2147483648 → 127.50000003 → 128, 16843009 (0x01010101) → 1
    const bytes = imageFixture({ rows: 1, columns: 2, bitsAllocated: 32, samplesPerPixel: 3, photometric: 'RGB', syntax: 'explicit-be', frames: [[4294967295, 0, 2147483648, 16843009, 4294967295, 0]] });
    expect([...(await rendered(bytes)).pixels]).toEqual([255, 0, 128, 1, 255, 0]);
  });

  it('YBR_FULL 8-bit to RGB', async () => {
    // Y 76 Cb 85 Cr 255: R = 76 + 1.402 × 127 = 254.05 → 254; G = 76 + 0.344136 × 43 - 0.714136 × 127 = 0.10 → 0;
    // B = 76 - 1.772 × 43 = -0.20 → 0. Y 128 Cb 128 Cr 128 → 128 grey.
    const bytes = imageFixture({ rows: 1, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'YBR_FULL', frames: [[76, 85, 255, 128, 128, 128]] });
    expect([...(await rendered(bytes)).pixels]).toEqual([254, 0, 0, 128, 128, 128]);
  });

  it('YBR_FULL_422 8-bit native: two luma samples share one chroma pair', async () => {
    // Y1 100 Y2 200 Cb 128 Cr 128 → greys 100 and 200
    const bytes = imageFixture({ rows: 1, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'YBR_FULL_422', frames: [[100, 200, 128, 128]] });
    expect([...(await rendered(bytes)).pixels]).toEqual([100, 100, 100, 200, 200, 200]);
  });
});

describe('transfer syntaxes and frames', () => {
  const window = { WindowCenter: 128, WindowWidth: 256 }; // y = x for 0..255

  it('deflated explicit VR little endian', async () => {
    const bytes = imageFixture({ rows: 2, columns: 2, bitsAllocated: 16, syntax: 'deflate', frames: [[0, 50, 200, 255]], extra: window });
    const out = await rendered(bytes);
    expect(out.applied.transferSyntax.uid).toBe('1.2.840.10008.1.2.1.99');
    expect([...out.pixels]).toEqual([0, 50, 200, 255]);
  });

  it('a deflate bomb (8 MiB of pixel bytes behind a 16 × 16 header) is refused once inflation passes what the header declares', async () => {
    const bytes = imageFixture({ rows: 16, columns: 16, bitsAllocated: 16, syntax: 'deflate', frames: [new Array(4 * 2 ** 20).fill(0)] });
    expect(bytes.length).toBeLessThan(64 * 1024);
    expect(await refusal(bytes)).toMatch(
      /^the deflated data set \(from byte offset \d+\) inflates to more than the \d+ bytes its header declares \(16 × 16 × 1 frame\(s\) × 1 sample\(s\) × 16 bits of pixel data, \+ 1 MiB\): inflation stopped there$/,
    );
  });

  it('a deflated data set whose declared image is above the cap is refused before inflating it', async () => {
    const bytes = imageFixture({ rows: 64, columns: 64, bitsAllocated: 16, syntax: 'deflate', frames: [new Array(4096).fill(7)] });
    expect(await refusal(bytes, { maxBytes: 4096 })).toBe('the declared pixel data (8192 bytes) of the deflated data set is above the cap of 4096 bytes');
  });

  it('RLE lossless, 16-bit signed with rescale, two frames', async () => {
    // frame 2: stored -100, 0, 27, 127; intercept 100 → 0, 100, 127, 227; window C 128 W 256 → y = x
    const bytes = imageFixture({
      rows: 2, columns: 2, bitsAllocated: 16, signed: true, syntax: 'rle',
      frames: [[1, 2, 3, 4], [-100, 0, 27, 127]], extra: { ...window, RescaleIntercept: 100, RescaleSlope: 1 },
    });
    const out = await rendered(bytes, { frame: 2 });
    expect(out.applied.transferSyntax.uid).toBe('1.2.840.10008.1.2.5');
    expect(out.applied.numberOfFrames).toBe(2);
    expect([...out.pixels]).toEqual([0, 100, 127, 227]);
  });

  it('native multi-frame: --frame N is 1-based; a frame past the end is refused', async () => {
    const bytes = imageFixture({ rows: 1, columns: 2, bitsAllocated: 8, frames: [[1, 2], [30, 40], [200, 250]], extra: window });
    expect([...(await rendered(bytes)).pixels]).toEqual([1, 2]);
    expect([...(await rendered(bytes, { frame: 3 })).pixels]).toEqual([200, 250]);
    expect(await refusal(bytes, { frame: 4 })).toMatch(/no frame 4: the image has 3 frame\(s\)/);
  });

  it('implicit VR and explicit big endian 16-bit give the same pixels as explicit little endian', async () => {
    for (const syntax of ['implicit-le', 'explicit-be', 'explicit-le'] as const) {
      const bytes = imageFixture({ rows: 1, columns: 3, bitsAllocated: 16, syntax, frames: [[3, 128, 300]], extra: window });
      expect([...(await rendered(bytes)).pixels]).toEqual([3, 128, 255]);
    }
  });
});

describe('codestreams (encoded with the codec packages, decoded as the viewer decodes)', () => {
  // 16 × 8 so the wavelet has room; values on a ramp, then the pixels checked at a few places.
  const rows = 8;
  const columns = 16;
  const ramp = (from: number, step: number): number[] => Array.from({ length: rows * columns }, (_, i) => from + i * step);

  it('JPEG 2000 lossless MONOCHROME1, 16-bit: inverted with the file window', async () => {
    // stored 0, 32, …, 4064; C 2048 W 4096 (band 0 .. 4095): y = ((x - 2047.5) / 4095 + 0.5) × 255, inverted
    const values = ramp(0, 32);
    const bytes = await codestreamFixture('jpeg2000', { rows, columns, bitsAllocated: 16, bitsStored: 12, photometric: 'MONOCHROME1', frames: [values], extra: { WindowCenter: 2048, WindowWidth: 4096 } });
    const out = await rendered(bytes);
    expect(out.applied.transferSyntax.name).toBe('JPEG 2000 Lossless');
    expect(out.applied.inverted).toBe(true);
    // x = 0 → 0 → 255; x = 2048 (pixel 64) → 127.53 → 128 → 127; x = 4064 (pixel 127) → 253.0 → 2
    expect([out.pixels[0], out.pixels[64], out.pixels[127]]).toEqual([255, 127, 2]);
  });

  it('HTJ2K lossless, 16-bit signed with rescale', async () => {
    // stored -1024, -1008, …; intercept 24 → -1000 + 16 i; C -500 W 1001 (band -1000.5 .. -0.5)
    // i = 0: ((-1000 + 500.5) / 1000 + 0.5) × 255 = 0.1275 → 0; i = 31 (-504): 126.6 → 127; i = 63 (> -0.5) → 255
    const values = ramp(-1024, 16);
    const bytes = await codestreamFixture('htj2k', { rows, columns, bitsAllocated: 16, signed: true, frames: [values], extra: { RescaleIntercept: 24, RescaleSlope: 1, WindowCenter: -500, WindowWidth: 1001 } });
    const out = await rendered(bytes);
    expect(out.applied.transferSyntax.uid).toBe('1.2.840.10008.1.2.4.201');
    expect([out.pixels[0], out.pixels[31], out.pixels[63]]).toEqual([0, 127, 255]);
  });

  it('a codestream whose own size differs from the header is refused before the codec runs', async () => {
    // The J2K stream is 16 × 8; the header says 16 × 4.
    const bytes = await codestreamFixture('jpeg2000', { rows, columns, bitsAllocated: 16, frames: [ramp(0, 1)], extra: { Rows: 4 } });
    expect(await refusal(bytes)).toBe('the JPEG 2000 stream of frame 1 declares 16 × 8 × 1 sample(s), but the header says 16 × 4 × 1 (not decoded)');
  });

  it('JPEG-LS lossless, 8-bit, two frames', async () => {
    const frame2 = ramp(0, 2).map((v) => v % 256);
    const bytes = await codestreamFixture('jpeg-ls', { rows, columns, bitsAllocated: 8, frames: [ramp(0, 1), frame2], extra: { WindowCenter: 128, WindowWidth: 256 } });
    const out = await rendered(bytes, { frame: 2 });
    expect(out.applied.transferSyntax.name).toBe('JPEG-LS Lossless');
    expect([...out.pixels]).toEqual(frame2); // C 128 W 256: y = x
  });
});

describe('enhanced and 1-bit images', () => {
  it('rescale from the shared functional groups, window from each frame\'s own group', async () => {
    // stored 0, 50; slope 2, intercept 10 → 10, 110.
    // frame 1, C 60 W 101 (band 9.5 .. 109.5): 10 → ((10 - 59.5) / 100 + 0.5) × 255 = 1.275 → 1; 110 → 255
    // frame 2, C 110 W 201 (band 9.5 .. 209.5): 10 → 0.6375 → 1; 110 → (0.5 / 200 + 0.5) × 255 = 128.14 → 128
    const bytes = imageFixture({
      rows: 1, columns: 2, bitsAllocated: 8, frames: [[0, 50], [0, 50]],
      extra: {
        SharedFunctionalGroupsSequence: [{ PixelValueTransformationSequence: [{ RescaleIntercept: 10, RescaleSlope: 2, RescaleType: 'US' }] }],
        PerFrameFunctionalGroupsSequence: [
          { FrameVOILUTSequence: [{ WindowCenter: 60, WindowWidth: 101 }] },
          { FrameVOILUTSequence: [{ WindowCenter: 110, WindowWidth: 201 }] },
        ],
      },
    });
    const first = await rendered(bytes, { frame: 1 });
    expect([...first.pixels]).toEqual([1, 255]);
    expect(first.applied.rescale).toEqual({ slope: 2, intercept: 10 });
    expect(first.applied.window).toMatchObject({ center: 60, width: 101, source: 'file' });
    expect([...(await rendered(bytes, { frame: 2 })).pixels]).toEqual([1, 128]);
  });

  it('1-bit frames packed without padding: frame 2 starts at bit 5', async () => {
    // data range 0..1 → C 0.5 W 1: a threshold at 0; a flat frame of ones gets C 1 W 1 → all 255
    const bytes = imageFixture({ rows: 1, columns: 5, bitsAllocated: 1, frames: [[1, 0, 1, 1, 0], [0, 1, 1, 0, 1], [1, 1, 1, 1, 1]] });
    expect([...(await rendered(bytes, { frame: 1 })).pixels]).toEqual([255, 0, 255, 255, 0]);
    expect([...(await rendered(bytes, { frame: 2 })).pixels]).toEqual([0, 255, 255, 0, 255]);
    expect([...(await rendered(bytes, { frame: 3 })).pixels]).toEqual([255, 255, 255, 255, 255]);
  });
});

describe('bytes given as a view into a larger buffer', () => {
  it('renders the same from a Buffer at an offset of a bigger allocation (native, deflated, RLE)', async () => {
    const window = { WindowCenter: 128, WindowWidth: 256 };
    for (const syntax of ['explicit-le', 'deflate', 'rle'] as const) {
      const file = imageFixture({ rows: 1, columns: 3, bitsAllocated: 16, syntax, frames: [[5, 128, 250]], extra: window });
      const view = Buffer.concat([Buffer.alloc(1001, 0xab), file, Buffer.alloc(999, 0xcd)]).subarray(1001, 1001 + file.length);
      expect([...(await rendered(view)).pixels], syntax).toEqual([5, 128, 250]);
    }
  });
});

describe('refusals', () => {
  it('short pixel data names the tag and both byte counts', async () => {
    // 4 × 4 16-bit pixels need 32 bytes; give 8 pixels (16 bytes) and say 4 rows.
    const bytes = imageFixture({ rows: 4, columns: 4, bitsAllocated: 16, frames: [[1, 2, 3, 4, 5, 6, 7, 8]] });
    expect(await refusal(bytes)).toBe('Pixel Data (7FE0,0010) holds 16 bytes, but 4 × 4 × 1 frame(s) × 1 sample(s) × 16 bits need 32');
  });

  it('a declared size above the cap is refused before anything is allocated', async () => {
    const bytes = imageFixture({ rows: 60000, columns: 60000, bitsAllocated: 16, frames: [[1, 2, 3, 4]], extra: { NumberOfFrames: 100 } });
    expect(await refusal(bytes)).toMatch(/declared pixel data \(60000 × 60000 × 100 frame\(s\) × 1 sample\(s\) × 16 bits = 720000000000 bytes\) is above the cap of 2 GiB/);
  });

  it('a photometric interpretation that contradicts Samples per Pixel is refused with both tags', async () => {
    const bytes = imageFixture({ rows: 1, columns: 1, bitsAllocated: 8, photometric: 'RGB', frames: [[1]] });
    expect(await refusal(bytes)).toBe('Samples per Pixel (0028,0002) is 1 but RGB needs 3');
  });

  it('a malformed window value is refused with its tag, not read as a prefix', async () => {
    const bytes = imageFixture({ rows: 1, columns: 1, bitsAllocated: 8, frames: [[1]], extra: { WindowCenter: '40abc', WindowWidth: 400 } });
    expect(await refusal(bytes)).toMatch(/Window Center \(0028,1050\) holds "40abc", which is not a decimal number/);
  });

  it('bytes that are not DICOM get the index reason', async () => {
    expect(await refusal(new Uint8Array(300))).toMatch(/no "DICM" marker/);
  });
});

describe('encapsulated frames split over fragments', () => {
  const spec = { rows: 2, columns: 2, bitsAllocated: 8 as const, frames: [[1, 2, 3, 4], [50, 60, 70, 80], [200, 210, 220, 230]], extra: { WindowCenter: 128, WindowWidth: 256 } };

  it('finds each frame by the Basic Offset Table', async () => {
    const bytes = rleSplitFragmentsFixture(spec, 'basic');
    expect([...(await rendered(bytes, { frame: 2 })).pixels]).toEqual([50, 60, 70, 80]);
    expect([...(await rendered(bytes, { frame: 3 })).pixels]).toEqual([200, 210, 220, 230]);
  });

  it('finds each frame by the Extended Offset Table', async () => {
    const bytes = rleSplitFragmentsFixture(spec, 'extended');
    expect([...(await rendered(bytes, { frame: 1 })).pixels]).toEqual([1, 2, 3, 4]);
    expect([...(await rendered(bytes, { frame: 3 })).pixels]).toEqual([200, 210, 220, 230]);
  });

  it('without an offset table, more fragments than frames are refused with the counts', async () => {
    const bytes = rleSplitFragmentsFixture(spec, 'none');
    expect(await refusal(bytes, { frame: 2 })).toBe(
      'encapsulated Pixel Data (7FE0,0010) holds 6 fragments for 3 frames and no offset table to say which belong to frame 2',
    );
  });
});
