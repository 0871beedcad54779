import type { Attachment } from 'svelte/attachments';
import { describeLoadError } from '../lib/errors';
import { initCornerstone } from '../lib/cornerstone/setup';
import { MPR_AXES, type MprAxis } from './layout';
import { MprController } from './mprController';
import type { MprState } from './mprState.svelte';

/**
 * Mounts the three volume viewports on the container's `[data-axis]` children for as long as the
 * views are shown; unmounting (the layout back to 1×1) destroys them and frees the volume.
 */
export function mountMprViews(mpr: MprState): Attachment<HTMLElement> {
  return (container) => {
    let controller: MprController | null = null;
    let detach: (() => void) | null = null;
    let disposed = false;
    void initCornerstone()
      .then(() => {
        if (disposed) return;
        const elements = Object.fromEntries(
          MPR_AXES.map((axis) => {
            const element = container.querySelector<HTMLDivElement>(`[data-axis="${axis}"]`);
            if (!element) throw new Error(`the ${axis} view has no element`);
            return [axis, element];
          }),
        ) as Record<MprAxis, HTMLDivElement>;
        const shown = new MprController(
          elements,
          (axis, snapshot) => mpr.update(axis, snapshot),
          (failure) => mpr.imageFailed(failure),
        );
        controller = shown;
        detach = mpr.attach(shown);
      })
      .catch((e: unknown) => {
        if (!disposed) mpr.startFailed(`the volume views could not start (${describeLoadError(e)})`);
      });
    return () => {
      disposed = true;
      detach?.();
      controller?.destroy();
    };
  };
}
