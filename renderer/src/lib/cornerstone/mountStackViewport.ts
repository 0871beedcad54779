import type { Attachment } from 'svelte/attachments';
import type { ViewerState } from '../../state/viewer.svelte';
import { initCornerstone } from './setup';
import { StackController } from './stackController';

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
        controller = new StackController(
          element,
          (snapshot) => viewer.update(snapshot),
          (failure) => viewer.imageFailed(failure),
        );
        controller.setPrimaryTool(viewer.primaryTool);
        detach = viewer.attach(controller);
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
