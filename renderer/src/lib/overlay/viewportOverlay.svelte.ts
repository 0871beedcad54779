import type { ViewerState } from '../../state/viewer.svelte';
import { findStackViewport, OverlayPainter, type OverlayLayer } from '../../scoring/overlayPainter';

/**
 * Keeps an overlay canvas on the viewer's stack viewport, aligned with the displayed image: it is
 * created once there is something to draw, rebuilt when the viewport element is replaced, redrawn
 * after every viewport render, and removed with the calling component. Call during component setup.
 *
 * Both inputs are getters so the effect follows the component's props. `setup` styles a new canvas
 * (test id, stacking order) before its first draw.
 */
export function keepViewportOverlay(
  viewerOf: () => ViewerState,
  layers: () => OverlayLayer[],
  setup?: (canvas: HTMLCanvasElement) => void,
): void {
  let painter: OverlayPainter | null = null;

  $effect(() => {
    const viewer = viewerOf();
    // Every viewport render (slice, pan, zoom, resize) replaces the snapshot, so this redraws after it.
    void viewer.snapshot;
    const shown = layers();
    if (painter && !painter.attached) {
      painter.destroy();
      painter = null;
    }
    const imageId = viewer.currentFrame?.imageId;
    if (!painter && shown.length && imageId) {
      const viewport = findStackViewport(imageId);
      if (viewport) {
        painter = new OverlayPainter(viewport);
        setup?.(painter.canvas);
      }
    }
    painter?.draw(shown);
  });

  $effect(() => () => {
    painter?.destroy();
    painter = null;
  });
}
