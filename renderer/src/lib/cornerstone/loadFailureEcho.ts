import { ImageLoadFailure } from './checkedLoader';

let listening = false;

/**
 * cornerstone 5.14's loadAndCacheImage calls cache.putImageLoadObject without awaiting it, and that
 * promise re-throws a failed load: every image that cannot be shown (already reported on the image
 * and its thumbnail through IMAGE_LOAD_ERROR / the load's own promise) also surfaced as an unhandled
 * rejection, one page error per failed load when clicking through series. Only that echo of one of
 * our named failures is absorbed; any other unhandled rejection still reaches the console.
 */
export function absorbLoadFailureEchoes(): void {
  if (listening) return;
  listening = true;
  window.addEventListener('unhandledrejection', (event) => {
    if (event.reason instanceof ImageLoadFailure) event.preventDefault();
  });
}
