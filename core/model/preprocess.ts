import type { PreprocessorConfig } from './schemas';

/**
 * Image preprocessing for the model, reproducing the Python preprocessing (models/training/preprocess.py).
 * Pure TypeScript (no Node imports), so the renderer can use it too.
 *
 * Order (fixed by preprocessor_config.json):
 *   1. map the stored pixels to [0,1] at native resolution:
 *      - `hu`:    HU = stored·slope + intercept, clipped to [hu_min, hu_max], scaled to [0,1] (never the display window);
 *      - `gray8`: value / scale;
 *      - `rgb8`:  luminance 0.299R + 0.587G + 0.114B, then / scale;
 *   2. resize with torch's bilinear, align_corners=False, antialias=False: to S×S (`fit` "stretch", 0.2.0), or
 *      (`fit` "pad", 0.3) keeping the aspect ratio to cw×ch at the top-left of an S×S canvas of zeros;
 *   3. normalise (x − mean) / std (the padding too).
 */

/** How an image is fitted into the model's S×S input; absent in preprocessor_config.json ⇒ "stretch". */
export type ImageFit = 'pad' | 'stretch';

/** The part of the S×S model input that holds the image (the rest is padding). */
export interface ContentSize {
  contentWidth: number;
  contentHeight: number;
}

/** Round half up, as the Python side does (`math.floor(x + 0.5)`), not to even. */
const roundHalfUp = (x: number): number => Math.floor(x + 0.5);

/**
 * Where a w×h image goes in the S×S input: all of it when stretched; with "pad", scale = S / max(w, h) and
 * the content is max(1, round(w·scale)) × max(1, round(h·scale)).
 */
export function contentSize(width: number, height: number, size: number, fit: ImageFit = 'stretch'): ContentSize {
  if (fit === 'stretch') return { contentWidth: size, contentHeight: size };
  const scale = size / Math.max(width, height);
  return { contentWidth: Math.max(1, roundHalfUp(width * scale)), contentHeight: Math.max(1, roundHalfUp(height * scale)) };
}

export type PixelData = Float32Array | Int16Array | Uint16Array | Uint8Array;
export type ImageKind = 'hu' | 'gray8' | 'rgb8';

export interface RawImage {
  kind: ImageKind;
  width: number;
  height: number;
  /** Row-major stored values; `rgb8` is interleaved RGB (length width·height·3). */
  data: PixelData;
  /** `hu` only: DICOM RescaleSlope / RescaleIntercept (defaults 1 / 0). */
  slope?: number;
  intercept?: number;
}

const f32 = Math.fround;

/** Checks the buffer length against the declared size and kind; throws with the reason. */
export function checkRawImage(image: RawImage): void {
  const { width, height, kind, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`image size ${width}×${height} is not a positive integer size`);
  }
  const channels = kind === 'rgb8' ? 3 : 1;
  if (data.length !== width * height * channels) {
    throw new Error(`image data has ${data.length} values but a ${kind} image of ${width}×${height} needs ${width * height * channels}`);
  }
  if ((kind === 'gray8' || kind === 'rgb8') && !(data instanceof Uint8Array)) {
    throw new Error(`a ${kind} image needs 8-bit data (Uint8Array), got ${data.constructor.name}`);
  }
}

/**
 * Step 1: stored pixels → [0,1] at native resolution, in float32 arithmetic like the float32 tensors in Python.
 */
export function toUnitRange(image: RawImage, config: PreprocessorConfig): Float32Array {
  checkRawImage(image);
  const { width, height, data } = image;
  const count = width * height;
  const unit = new Float32Array(count);
  if (image.kind === 'hu') {
    const slope = f32(image.slope ?? 1);
    const intercept = f32(image.intercept ?? 0);
    const huMin = f32(config.ct.hu_min);
    const huMax = f32(config.ct.hu_max);
    const huRange = f32(huMax - huMin);
    for (let i = 0; i < count; i++) {
      const hu = f32(f32(f32(data[i]) * slope) + intercept);
      const clipped = hu < huMin ? huMin : hu > huMax ? huMax : hu;
      unit[i] = f32(clipped - huMin) / huRange;
    }
  } else if (image.kind === 'gray8') {
    const scale = f32(config.gray8.scale);
    for (let i = 0; i < count; i++) unit[i] = data[i] / scale;
  } else {
    const scale = f32(config.gray8.scale);
    const [wr, wg, wb] = [f32(0.299), f32(0.587), f32(0.114)];
    for (let i = 0; i < count; i++) {
      const luminance = f32(f32(f32(wr * data[3 * i]) + f32(wg * data[3 * i + 1])) + f32(wb * data[3 * i + 2]));
      unit[i] = luminance / scale;
    }
  }
  return unit;
}

/** One output axis of torch's bilinear interpolation: source indices and float32 weights per output index. */
interface AxisSamples {
  index0: Int32Array;
  index1: Int32Array;
  weight0: Float32Array;
  weight1: Float32Array;
}

/**
 * torch's source coordinate with align_corners=False, as the exporter documents it (preprocessor_config.json
 * "resize_arithmetic", verified against PyTorch CPU): scale = float32(in / out); src = max(0, scale·(i + 0.5) − 0.5)
 * in float64 with that float32 scale; i0 = floor(src), i1 = min(i0 + 1, in − 1); λ1 = float32(src − i0), λ0 = float32(1 − λ1).
 */
function axisSamples(inputSize: number, outputSize: number): AxisSamples {
  const index0 = new Int32Array(outputSize);
  const index1 = new Int32Array(outputSize);
  const weight0 = new Float32Array(outputSize);
  const weight1 = new Float32Array(outputSize);
  const scale = f32(inputSize / outputSize);
  for (let dst = 0; dst < outputSize; dst++) {
    const src = Math.max(0, scale * (dst + 0.5) - 0.5);
    const i0 = Math.min(Math.floor(src), inputSize - 1);
    index0[dst] = i0;
    index1[dst] = Math.min(i0 + 1, inputSize - 1);
    weight1[dst] = f32(src - i0);
    weight0[dst] = f32(1 - weight1[dst]);
  }
  return { index0, index1, weight0, weight1 };
}

/**
 * Bilinear resize of a single-channel row-major image, torch.nn.functional.interpolate(mode='bilinear',
 * align_corners=False, antialias=False): torch's float32 weights, the blend (x first, then y) accumulated in
 * float64 and returned unrounded, so callers round once. Against the exported PyTorch references this is
 * bit-exact for tiny-random and within one float32 ulp for the trained model (torch's own float32 sums
 * round in an order we cannot see; every float32-step ordering we tried was further off).
 */
export function resizeBilinear(
  source: ArrayLike<number>,
  inputWidth: number,
  inputHeight: number,
  outputWidth: number,
  outputHeight: number,
): Float64Array {
  if (source.length !== inputWidth * inputHeight) {
    throw new Error(`resizeBilinear: source has ${source.length} values, expected ${inputWidth}×${inputHeight}`);
  }
  const rows = axisSamples(inputHeight, outputHeight);
  const cols = axisSamples(inputWidth, outputWidth);
  const out = new Float64Array(outputWidth * outputHeight);
  for (let y = 0; y < outputHeight; y++) {
    const row0 = rows.index0[y] * inputWidth;
    const row1 = rows.index1[y] * inputWidth;
    const wy0 = rows.weight0[y];
    const wy1 = rows.weight1[y];
    for (let x = 0; x < outputWidth; x++) {
      const x0 = cols.index0[x];
      const x1 = cols.index1[x];
      const wx0 = cols.weight0[x];
      const wx1 = cols.weight1[x];
      const top = wx0 * source[row0 + x0] + wx1 * source[row0 + x1];
      const bottom = wx0 * source[row1 + x0] + wx1 * source[row1 + x1];
      out[y * outputWidth + x] = wy0 * top + wy1 * bottom;
    }
  }
  return out;
}

/** The full preprocessing: `pixel_values` float32 [1, 1, S, S] as the image encoder expects. */
export function preprocessImage(image: RawImage, config: PreprocessorConfig): Float32Array {
  const size = config.image_size;
  const unit = toUnitRange(image, config);
  const { contentWidth, contentHeight } = contentSize(image.width, image.height, size, config.fit);
  const resized = resizeBilinear(unit, image.width, image.height, contentWidth, contentHeight);
  const mean = f32(config.mean);
  const std = f32(config.std);
  // The canvas is 0 in [0,1] units before normalising; the image fills its top-left content rectangle.
  const padValue = f32(f32(0 - mean) / std);
  const pixelValues = new Float32Array(size * size).fill(padValue);
  // Two float32 steps, like torch's (t - mean) / std on a float32 tensor.
  for (let y = 0; y < contentHeight; y++) {
    for (let x = 0; x < contentWidth; x++) pixelValues[y * size + x] = f32(f32(resized[y * contentWidth + x]) - mean) / std;
  }
  return pixelValues;
}

export const sigmoid = (logit: number): number => 1 / (1 + Math.exp(-logit));

export interface MaskResult {
  width: number;
  height: number;
  /** 1 inside the mask, 0 outside, row-major. */
  mask: Uint8Array;
  /** Mean probability over the pixels inside the mask; null when the mask is empty. */
  probabilityMean: number | null;
}

/**
 * The inverse for masks: model-resolution mask logits (S×S) → probabilities → the image's content rectangle
 * ([0:ch, 0:cw] with "pad", all of it with "stretch") → bilinear resize to the original image size (same
 * torch convention) → threshold (probability ≥ threshold is inside, as models/training/infer.py predict_masks).
 */
export function maskFromLogits(
  logits: ArrayLike<number>,
  modelSize: number,
  width: number,
  height: number,
  threshold: number,
  fit: ImageFit = 'stretch',
): MaskResult {
  if (logits.length !== modelSize * modelSize) throw new Error(`mask logits have ${logits.length} values, expected ${modelSize}×${modelSize}`);
  const { contentWidth, contentHeight } = contentSize(width, height, modelSize, fit);
  const probabilities = new Float64Array(contentWidth * contentHeight);
  for (let y = 0; y < contentHeight; y++) {
    for (let x = 0; x < contentWidth; x++) probabilities[y * contentWidth + x] = sigmoid(logits[y * modelSize + x]);
  }
  const resized = resizeBilinear(probabilities, contentWidth, contentHeight, width, height);
  const mask = new Uint8Array(width * height);
  let insideSum = 0;
  let insideCount = 0;
  for (let i = 0; i < resized.length; i++) {
    if (resized[i] >= threshold) {
      mask[i] = 1;
      insideSum += resized[i];
      insideCount++;
    }
  }
  return { width, height, mask, probabilityMean: insideCount > 0 ? insideSum / insideCount : null };
}
