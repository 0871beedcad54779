import type { Attachment } from 'svelte/attachments';
import type { ViewerState } from '../../state/viewer.svelte';
import { initCornerstone } from './setup';
import { StackController } from './stackController';
import { WARM_UP_IMAGE_ID, warmViewport } from './warmViewport';

/**
 * Mounts one cornerstone stack viewport on the element for the element's whole life, and hands
 * it to the viewer state, which shows each selected series in it. Keeping the viewport (and its
 * WebGL context) across series makes switching series cheap.
 */
export function mountStackViewport(viewer: ViewerState): Attachment<HTMLDivElement> {
  return (element) => {
    let controller: StackController | null = null;
    let detach: (() => void) | null = null;
    let disposed = false;
    void initCornerstone()
      .then(() => {
        if (disposed) return;
        // While the warm-up image is drawn and no series is open, the viewport's reports are not the viewer's.
        let warming = false;
        const shown = new StackController(
          element,
          (snapshot) => (warming && !viewer.open ? undefined : viewer.update(snapshot)),
          (failure) => (failure.imageId === WARM_UP_IMAGE_ID ? console.warn(`cornerstone: viewport warm-up image not shown: ${failure.detail}`) : viewer.imageFailed(failure)),
        );
        controller = shown;
        shown.setPrimaryTool(viewer.primaryTool);
        if (!viewer.open) {
          warming = true;
          void warmViewport(shown, element).then(() => {
            warming = false;
            if (!disposed && !viewer.open) shown.clear();
          });
        }
        detach = viewer.attach(shown);
      })
      .catch((e: unknown) => {
        if (!disposed) viewer.fail(`Cannot start the image viewer: ${e instanceof Error ? e.message : String(e)}`);
      });
    return () => {
      disposed = true;
      detach?.();
      controller?.destroy();
    };
  };
}
