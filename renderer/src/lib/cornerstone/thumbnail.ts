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
    // `after` is asked one task later: a study's series list (and so its thumbnails) appears a few
    // microtasks before the viewer is given that study's first series, and asked earlier, with no
    // series open yet, it resolves at once and the thumbnail's fetch, decode and draw run alongside
    // the first image's (the render bench saw that take the decoder worker first).
    void Promise.all([initCornerstone(), nextTask().then(after)])
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

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
