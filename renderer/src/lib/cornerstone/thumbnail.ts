import { utilities, Enums } from '@cornerstonejs/core';
import type { Attachment } from 'svelte/attachments';
import { initCornerstone } from './setup';

/**
 * Draws one image into a canvas with cornerstone, at thumbnail priority. `onError` lets the caller show a placeholder instead.
 */
export function renderThumbnail(
  imageId: string,
  /** Thumbnails wait for this so they never compete with the main viewport's first image. */
  after: () => Promise<void>,
  onError: (reason: unknown) => void,
): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    let cancelled = false;
    // `after` knows a series is being chosen (the viewer state's FirstImageGate): a study's series list,
    // and so this thumbnail, appears before the viewer is given that study's first series.
    void Promise.all([initCornerstone(), after()])
      .then(() => {
        if (cancelled) return;
        return utilities.loadImageToCanvas({ canvas, imageId, thumbnail: true, requestType: Enums.RequestType.Thumbnail, priority: 5 });
      })
      .catch((reason: unknown) => {
        if (!cancelled) onError(reason);
      });
    return () => {
      cancelled = true;
    };
  };
}
