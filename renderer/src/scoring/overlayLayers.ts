import type { MaskVolume } from './maskVolume';
import type { OverlayLayer } from './overlayPainter';
import { paintAgreement, paintLabels } from './slicePaint';

export interface LayerSource {
  volume: MaskVolume;
  opacity: number;
}

/**
 * The layers to draw for slice z: every visible mask in its label colours, or, in agreement mode,
 * one TP/FP/FN layer from truth and prediction. A mask that does not reach slice z draws nothing.
 */
export function layersForSlice(
  z: number,
  mode: 'labels' | 'agreement',
  visible: LayerSource[],
  pair: { truth: MaskVolume; pred: MaskVolume; opacity: number } | null,
): OverlayLayer[] {
  if (mode === 'agreement') {
    if (!pair || z < 0 || z >= pair.truth.shape[2] || z >= pair.pred.shape[2]) return [];
    const [width, height] = pair.truth.shape;
    const rgba = new Uint8ClampedArray(width * height * 4);
    paintAgreement(pair.truth, pair.pred, z, rgba);
    return [{ rgba, width, height, opacity: pair.opacity }];
  }
  const layers: OverlayLayer[] = [];
  for (const { volume, opacity } of visible) {
    if (z < 0 || z >= volume.shape[2] || opacity <= 0) continue;
    const [width, height] = volume.shape;
    const rgba = new Uint8ClampedArray(width * height * 4);
    paintLabels(volume, z, rgba);
    layers.push({ rgba, width, height, opacity });
  }
  return layers;
}
