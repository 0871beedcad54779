import type { MaskVolume } from './maskVolume';
import { paintAgreement, paintLabelOutlines, paintLabels } from './slicePaint';

/** One slice of one mask painted to RGBA on the image's pixel grid (opacity is applied when drawn). */
export interface PaintedSlice {
  /** Which mask set it shows (its opacity is looked up at draw time), or 'agreement'. */
  key: string;
  rgba: Uint8ClampedArray<ArrayBuffer>;
  width: number;
  height: number;
}

/**
 * The pictures for slice z: every visible mask in its label colours (filled, or as outlines for the
 * prediction so it reads on top of the truth), or, in agreement mode, one
 * TP/FP/FN picture from truth and prediction. A mask that does not reach slice z gives nothing.
 */
export function paintSlice(
  z: number,
  mode: 'labels' | 'agreement',
  visible: { key: string; volume: MaskVolume; outline: boolean }[],
  pair: { truth: MaskVolume; pred: MaskVolume } | null,
): PaintedSlice[] {
  if (mode === 'agreement') {
    if (!pair || z < 0 || z >= pair.truth.shape[2] || z >= pair.pred.shape[2]) return [];
    const [width, height] = pair.truth.shape;
    const rgba = new Uint8ClampedArray(width * height * 4);
    paintAgreement(pair.truth, pair.pred, z, rgba);
    return [{ key: 'agreement', rgba, width, height }];
  }
  const painted: PaintedSlice[] = [];
  for (const { key, volume, outline } of visible) {
    if (z < 0 || z >= volume.shape[2]) continue;
    const [width, height] = volume.shape;
    const rgba = new Uint8ClampedArray(width * height * 4);
    if (outline) paintLabelOutlines(volume, z, rgba);
    else paintLabels(volume, z, rgba);
    painted.push({ key, rgba, width, height });
  }
  return painted;
}
