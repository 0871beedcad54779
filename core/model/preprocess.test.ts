import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelFolder } from './config';
import { contentSize, maskFromLogits, preprocessImage, resizeBilinear, toUnitRange, type PixelData, type RawImage } from './preprocess';
import { readReferenceManifest, readReferenceTensor } from './reference';
import type { PreprocessorConfig } from './schemas';
import { parityModelDirs } from './test-models';

const config: PreprocessorConfig = {
  image_size: 4,
  resize: 'bilinear_align_corners_false',
  ct: { source: 'hu', hu_min: -1024, hu_max: 1024 },
  gray8: { scale: 255 },
  mean: 0,
  std: 1,
};

describe('resizeBilinear (torch bilinear, align_corners=False)', () => {
  it('halving a 4×4 image gives the 2×2 block averages', () => {
    const source = Array.from({ length: 16 }, (_, i) => i * i);
    const out = resizeBilinear(source, 4, 4, 2, 2);
    const block = (x: number, y: number) => (source[y * 4 + x] + source[y * 4 + x + 1] + source[(y + 1) * 4 + x] + source[(y + 1) * 4 + x + 1]) / 4;
    expect(Array.from(out)).toEqual([block(0, 0), block(2, 0), block(0, 2), block(2, 2)]);
  });

  it('doubling a row [a, b] gives a, ¾a+¼b, ¼a+¾b, b (edges clamp)', () => {
    const out = resizeBilinear([10, 30], 2, 1, 4, 1);
    expect(Array.from(out)).toEqual([10, 15, 25, 30]);
  });

  it('doubling a 2×2 image interpolates both axes', () => {
    const out = resizeBilinear([0, 4, 8, 12], 2, 2, 4, 4);
    // Row weights as for the row case: 1, ¾/¼, ¼/¾, 1.
    expect(Array.from(out.slice(0, 4))).toEqual([0, 1, 3, 4]);
    expect(Array.from(out.slice(4, 8))).toEqual([2, 3, 5, 6]);
    expect(Array.from(out.slice(12, 16))).toEqual([8, 9, 11, 12]);
  });

  it('keeps an image of the same size unchanged and resizes non-square to square', () => {
    expect(Array.from(resizeBilinear([1, 2, 3, 4, 5, 6], 3, 2, 3, 2))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(resizeBilinear([1, 2, 3, 4, 5, 6], 3, 2, 5, 5)).toHaveLength(25);
  });

  it('rejects a source whose length does not match its size', () => {
    expect(() => resizeBilinear([1, 2, 3], 2, 2, 1, 1)).toThrow(/3 values, expected 2×2/);
  });
});

describe('toUnitRange', () => {
  it('maps stored CT values through slope/intercept to HU, clips to the window and scales to [0,1]', () => {
    const image: RawImage = { kind: 'hu', width: 4, height: 1, data: new Int16Array([-2000, 0, 1024, 3000]), slope: 1, intercept: -1024 };
    expect(Array.from(toUnitRange(image, config))).toEqual([0, 0, 0.5, 1]);
  });

  it('divides 8-bit values by 255 and turns RGB into luminance first', () => {
    expect(Array.from(toUnitRange({ kind: 'gray8', width: 2, height: 1, data: new Uint8Array([0, 255]) }, config))).toEqual([0, 1]);
    const rgb = toUnitRange({ kind: 'rgb8', width: 1, height: 1, data: new Uint8Array([255, 0, 0]) }, config);
    expect(rgb[0]).toBeCloseTo(0.299, 6);
  });

  it('rejects data of the wrong length or the wrong type', () => {
    expect(() => toUnitRange({ kind: 'gray8', width: 3, height: 3, data: new Uint8Array(8) }, config)).toThrow(/8 values but a gray8 image of 3×3 needs 9/);
    expect(() => toUnitRange({ kind: 'rgb8', width: 1, height: 1, data: new Int16Array(3) }, config)).toThrow(/needs 8-bit data/);
  });
});

describe('maskFromLogits', () => {
  it('thresholds probabilities resized to the image size', () => {
    // 2×2 logits: left column strongly inside, right column strongly outside.
    const result = maskFromLogits([10, -10, 10, -10], 2, 4, 2, 0.5);
    expect(Array.from(result.mask)).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
    // Inside: the left column (p ≈ 1) and the columns interpolated ¾ from it (p ≈ 0.75).
    expect(result.probabilityMean).toBeCloseTo((1 + 0.75) / 2, 4);
    expect(maskFromLogits([-5, -5, -5, -5], 2, 3, 3, 0.5).probabilityMean).toBeNull();
    // A probability exactly at the threshold is inside (sigmoid(0) = 0.5), as the Python side counts it.
    expect(Array.from(maskFromLogits([0], 1, 1, 1, 0.5).mask)).toEqual([1]);
  });
});

describe('fit "pad": aspect ratio kept, image at the top-left of a zero canvas', () => {
  it('sizes the content by the longer side, rounding half up, at least 1 pixel', () => {
    expect(contentSize(1024, 512, 64, 'pad')).toEqual({ contentWidth: 64, contentHeight: 32 });
    expect(contentSize(40, 72, 64, 'pad')).toEqual({ contentWidth: 36, contentHeight: 64 }); // 35.56 → 36
    expect(contentSize(3, 2, 4, 'pad')).toEqual({ contentWidth: 4, contentHeight: 3 }); // 2.67 → 3
    expect(contentSize(5, 2, 4, 'pad')).toEqual({ contentWidth: 4, contentHeight: 2 }); // 1.6 → 2
    expect(contentSize(7, 1, 4, 'pad')).toEqual({ contentWidth: 4, contentHeight: 1 }); // 0.57 → 1
    expect(contentSize(8, 1, 4, 'pad')).toEqual({ contentWidth: 4, contentHeight: 1 }); // 0.5 → 1 (half up)
    expect(contentSize(1024, 512, 64)).toEqual({ contentWidth: 64, contentHeight: 64 });
  });

  it('places a wide image in the top rows and normalises the padding too', () => {
    const pad = { ...config, fit: 'pad' as const, mean: 0.5, std: 0.5 };
    // 8×4 all-white gray8 → 4×2 content of 1 → (1 − 0.5)/0.5 = 1; padding 0 → −1.
    const out = preprocessImage({ kind: 'gray8', width: 8, height: 4, data: new Uint8Array(32).fill(255) }, pad);
    expect(Array.from(out)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1]);
    // A tall one fills the left columns.
    const tall = preprocessImage({ kind: 'gray8', width: 2, height: 4, data: new Uint8Array(8).fill(255) }, pad);
    expect(Array.from(tall)).toEqual([1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1]);
  });

  it('crops the mask logits to the content before resizing back, so padding never reaches the image', () => {
    // 4×4 logits: the content (top 2 rows of a 8×4 image) is inside on the left half; the padding rows say
    // "inside" everywhere, which must not leak into the mask.
    const logits = [10, 10, -10, -10, 10, 10, -10, -10, 10, 10, 10, 10, 10, 10, 10, 10];
    const { mask } = maskFromLogits(logits, 4, 8, 4, 0.5, 'pad');
    const row = [1, 1, 1, 1, 0, 0, 0, 0];
    expect(Array.from(mask)).toEqual([...row, ...row, ...row, ...row]);
    // Stretched, the same logits would mark the lower half inside.
    expect(Array.from(maskFromLogits(logits, 4, 8, 4, 0.5).mask.slice(24))).toEqual(Array(8).fill(1));
  });
});

const asPixelData = (array: ReturnType<typeof readReferenceTensor>): PixelData => {
  if (array instanceof BigInt64Array) throw new Error('raw reference image cannot be int64');
  return array;
};

describe.each(parityModelDirs())('preprocessing parity with the Python reference (%s)', (modelDir) => {
  const folder = loadModelFolder(modelDir);
  const manifest = readReferenceManifest(modelDir);

  const { image_size: imageSize, mask_size: maskSize } = folder.config;
  /** Each case's pixel_values at image_size and, for a mask refiner (config.json mask_size), its pixel_values_hires. */
  const outputs = manifest.preprocess.flatMap((c) => [
    [c.name, c, 'pixel_values', imageSize] as const,
    ...(c.pixel_values_hires ? [[`${c.name} pixel_values_hires`, c, 'pixel_values_hires', maskSize ?? imageSize] as const] : []),
  ]);

  it('has the preprocessing cases the spec asks for (with a mask refiner, pixel_values_hires at mask_size)', () => {
    expect(manifest.preprocess.length).toBeGreaterThanOrEqual(3);
    const hires = manifest.preprocess.filter((c) => c.pixel_values_hires);
    if (maskSize === undefined) expect(hires.map((c) => c.name), 'pixel_values_hires without config.json mask_size').toEqual([]);
    else expect(hires.length).toBeGreaterThanOrEqual(1);
  });

  it.each(outputs)('%s matches within 1e-6', (_name, testCase, output, size) => {
    const raw = asPixelData(readReferenceTensor(modelDir, testCase.raw));
    const [height, width, channels] = testCase.raw.shape;
    // The exporter writes an RGB image as kind gray8 with shape [H, W, 3].
    const kind = channels === 3 ? 'rgb8' : testCase.kind;
    const spec = testCase[output]!;
    expect(spec.shape).toEqual([1, 1, size, size]);
    // pixel_values_hires is the same preprocessing at mask_size, as the app makes it (VisionLanguageModel.encodeUncached).
    const pixelValues = preprocessImage({ kind, width, height, data: raw, slope: testCase.slope, intercept: testCase.intercept }, { ...folder.preprocessor, image_size: size });
    const expected = readReferenceTensor(modelDir, spec) as Float32Array;
    expect(pixelValues.length).toBe(expected.length);
    let maxAbsDiff = 0;
    for (let i = 0; i < expected.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(pixelValues[i] - expected[i]));
    expect(maxAbsDiff, `${path.basename(modelDir)} ${testCase.name} ${output}`).toBeLessThanOrEqual(1e-6);
  });
});
