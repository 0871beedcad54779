import type { Attachment } from 'svelte/attachments';
import type { ViewerState } from '../../state/viewer.svelte';
import { initCornerstone } from './setup';
import { StackController } from './stackController';

/**
 * Mounts a cornerstone stack viewport on the element and shows `imageIds` in it. The attachment
 * re-runs when `imageIds` changes (a new series): the old viewport is destroyed with its listeners.
 */
export function mountStackViewport(viewer: ViewerState, imageIds: string[]): Attachment<HTMLDivElement> {
  return (element) => {
    let controller: StackController | null = null;
    let detach: (() => void) | null = null;
    let disposed = false;
    void (async () => {
      try {
        await initCornerstone();
        if (disposed) return;
        controller = new StackController(element, (snapshot) => viewer.update(snapshot));
        detach = viewer.attach(controller);
        controller.setPrimaryTool(viewer.primaryTool);
        if (imageIds.length) await controller.setStack(imageIds, 0);
      } catch (e) {
        if (!disposed) viewer.fail(`Cannot display this series: ${describeError(e)}`);
      }
    })();
    return () => {
      disposed = true;
      detach?.();
      controller?.destroy();
    };
  };
}

/** cornerstone rejects with Errors, strings or its own error objects ({ error, message }). */
function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}
