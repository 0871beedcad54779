import { agreementColors, labelColor } from './labelColors';
import type { MaskVolume } from './maskVolume';

/** Agreement of truth and prediction at one voxel. */
export type Agreement = 'tp' | 'fp' | 'fn' | 'none';

/**
 * TP: both say the same foreground label. FN: truth has a label the prediction misses there.
 * FP: the prediction has a label truth does not have there — a confused label (truth 1, prediction 2)
 * is an FP for the predicted label, shown red, since the painter shows one colour per voxel.
 */
export function agreementAt(truthLabel: number, predLabel: number): Agreement {
  if (predLabel !== 0) return predLabel === truthLabel ? 'tp' : 'fp';
  return truthLabel !== 0 ? 'fn' : 'none';
}

/** RGBA pixels (width × height) of slice z with each label in its colour; background transparent. */
export function paintLabels(volume: MaskVolume, z: number, out: Uint8ClampedArray): void {
  const [width, height] = volume.shape;
  const start = z * width * height;
  let lastLabel = 0;
  let lastColor = labelColor(0);
  for (let i = 0; i < width * height; i++) {
    const label = volume.data[start + i];
    const o = i * 4;
    if (label === 0) {
      out[o + 3] = 0;
      continue;
    }
    if (label !== lastLabel) {
      lastLabel = label;
      lastColor = labelColor(label);
    }
    out[o] = lastColor[0];
    out[o + 1] = lastColor[1];
    out[o + 2] = lastColor[2];
    out[o + 3] = 255;
  }
}

/**
 * RGBA pixels of slice z with only each label's border in its colour (a pixel whose 4-neighbour
 * holds another value, or the image edge), so a prediction can be read on top of a filled truth.
 */
export function paintLabelOutlines(volume: MaskVolume, z: number, out: Uint8ClampedArray): void {
  const [width, height] = volume.shape;
  const start = z * width * height;
  const data = volume.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const label = data[start + i];
      const o = i * 4;
      const border =
        label !== 0 &&
        (x === 0 || x === width - 1 || y === 0 || y === height - 1 ||
          data[start + i - 1] !== label || data[start + i + 1] !== label || data[start + i - width] !== label || data[start + i + width] !== label);
      if (!border) {
        out[o + 3] = 0;
        continue;
      }
      const color = labelColor(label);
      out[o] = color[0];
      out[o + 1] = color[1];
      out[o + 2] = color[2];
      out[o + 3] = 255;
    }
  }
}

/** RGBA pixels of slice z coloured TP / FP / FN; counts per category come back for the legend. */
export function paintAgreement(truth: MaskVolume, pred: MaskVolume, z: number, out: Uint8ClampedArray): Record<Exclude<Agreement, 'none'>, number> {
  const [width, height] = truth.shape;
  const start = z * width * height;
  const counts = { tp: 0, fp: 0, fn: 0 };
  for (let i = 0; i < width * height; i++) {
    const kind = agreementAt(truth.data[start + i], pred.data[start + i]);
    const o = i * 4;
    if (kind === 'none') {
      out[o + 3] = 0;
      continue;
    }
    counts[kind]++;
    const color = agreementColors[kind];
    out[o] = color[0];
    out[o + 1] = color[1];
    out[o + 2] = color[2];
    out[o + 3] = 255;
  }
  return counts;
}
