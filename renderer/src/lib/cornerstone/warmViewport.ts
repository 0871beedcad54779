import { Enums, getEnabledElement, imageLoader, type Types } from '@cornerstonejs/core';
import type { StackController } from './stackController';
import { nextDraw } from './nextDraw';
// Not inlined (Vite would make a small file a data: URL, which the page's connect-src refuses): served beside the bundle.
import warmUpCtUrl from './warm-up-ct.dcm?url&no-inline';

/**
 * A 512 × 512 JPEG 2000 lossless CT slice, every pixel -1024 HU (black in its own window), shipped
 * with the app (warm-up-ct.dcm; made and checked by warmUpCt.test.ts). It is shaped like the real
 * CT, so loading it runs the first image's whole path once: the byte fetch, the DICOM parse, the
 * decode in the worker (codec and post-processing at full size), the checked loader, a 512² Int16
 * texture and the display code. Its URL is the app's own, so it cannot be confused with a file.
 */
export const WARM_UP_IMAGE_ID = `wadouri:${new URL(warmUpCtUrl, location.href).href}`;

const WARM_UP_LIMIT_MS = 10_000;

/**
 * Loads and draws the warm-up CT once in the real viewport before any series is chosen. The first draw
 * in a WebGL context pays for things no later draw does (shader compile and link, the first
 * texture upload, sizing the offscreen canvas, the first copy to the on-screen canvas, the JIT of
 * cornerstone's display path); measured in the render bench, they were most of the first image's
 * time after its pixels were decoded. It has to be this viewport: cornerstone gives each rendering
 * engine its own WebGL contexts, so a throw-away viewport would warm a context the viewer never uses.
 * Resolves when drawn (or given up); a failure only costs the warm-up.
 */
export async function warmViewport(controller: StackController, element: HTMLDivElement): Promise<void> {
  const started = performance.now();
  const stackViewport = () => getEnabledElement(element)?.viewport as Types.IStackViewport | undefined;
  // A series chosen before the warm-up is drawn takes the viewport: the warm-up then draws nothing (its
  // draw would only compete with that series' first image) and never hides that series' image.
  const seriesChosen = () => (stackViewport()?.getImageIds() ?? []).some((id) => id !== WARM_UP_IMAGE_ID);
  try {
    // Loaded first and shown from the cache, so that a series chosen meanwhile is not followed by the warm-up's draw.
    await imageLoader.loadAndCacheImage(WARM_UP_IMAGE_ID, { requestType: Enums.RequestType.Prefetch, priority: 0 });
    if (seriesChosen()) return;
    await controller.setStack([WARM_UP_IMAGE_ID], 0);
    if (seriesChosen()) return;
    await nextDraw(element, WARM_UP_LIMIT_MS);
    if (seriesChosen()) return;
    // What was compiled stays with the context; the image is hidden, so that redraws before a series is
    // chosen (the layout settling, a resize) draw an empty viewport instead of filling it in software.
    // Not drawn hidden now: the idle viewport is not visible, and that draw, one whole software render,
    // landed on the first series' path when the series was chosen just as the warm-up ended (render bench).
    // Shown again (black) as soon as the next stack starts loading: the camera fit that carries over to
    // its first image measures visible actors only, and with none it broke (the first frame black or a
    // 0.03x zoom, caught by real-ct.spec and phantom.spec).
    const actors = stackViewport()?.getActors() ?? [];
    const show = (visible: boolean) => {
      for (const { actor } of actors) (actor as { setVisibility?: (visible: boolean) => void }).setVisibility?.(visible);
    };
    show(false);
    element.addEventListener(Enums.Events.PRE_STACK_NEW_IMAGE, () => show(true), { once: true });
    performance.measure('vesalius:viewport-warm', { start: started });
  } catch (e) {
    console.warn(`cornerstone: viewport warm-up failed (the first image will compile the display path instead): ${e instanceof Error ? e.message : String(e)}`);
  }
}
