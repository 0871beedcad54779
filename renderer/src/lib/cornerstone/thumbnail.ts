import { utilities, Enums } from '@cornerstonejs/core';
import type { Attachment } from 'svelte/attachments';
import { initCornerstone } from './setup';

/**
 * Draws one image into a canvas with cornerstone (at thumbnail priority, so it never delays
 * the main viewport's requests). `onError` lets the caller show a placeholder instead.
 */
export function renderThumbnail(imageId: string, onError: (reason: unknown) => void): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    let cancelled = false;
    void initCornerstone()
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
