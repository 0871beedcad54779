import { Enums, cache, getEnabledElement, imageLoader, utilities, type Types } from '@cornerstonejs/core';
import type { StackController } from './stackController';
import { nextDraw } from './nextDraw';

/** A synthetic image that lives only in cornerstone's cache (no loader, no bytes): it cannot be confused with a file. */
export const WARM_UP_IMAGE_ID = 'vesalius-warmup:ct-64';

const SIZE = 64;

/**
 * Signed 16-bit grey like a decoded CT slice (cornerstone prescales CT to Int16), so the texture
 * format and the shader program it compiles are the ones the first real CT slice needs.
 */
function cacheWarmUpImage(): void {
  if (cache.getImageLoadObject(WARM_UP_IMAGE_ID) || cache.getImage(WARM_UP_IMAGE_ID)) return;
  // All at the bottom of its window: black, so a redraw that shows it (a resize before the next series' image arrives) shows nothing.
  const scalarData = new Int16Array(SIZE * SIZE).fill(-1024);
  const image = imageLoader.createAndCacheLocalImage(WARM_UP_IMAGE_ID, { scalarData, dimensions: [SIZE, SIZE], spacing: [1, 1], frameOfReferenceUID: WARM_UP_IMAGE_ID });
  image.windowCenter = 0;
  image.windowWidth = 1024;
  // The stack viewport reads the series' modality for every image it shows.
  utilities.genericMetadataProvider.add(WARM_UP_IMAGE_ID, { type: 'generalSeriesModule', metadata: { modality: 'CT' } });
}

const WARM_UP_LIMIT_MS = 10_000;

/**
 * Draws the synthetic image once in the real viewport before any series is chosen. The first draw
 * in a WebGL context pays for things no later draw does (shader compile and link, the first
 * texture upload, sizing the offscreen canvas, the first copy to the on-screen canvas, the JIT of
 * cornerstone's display path); measured in the render bench, they were most of the first image's
 * time after its pixels were decoded. It has to be this viewport: cornerstone gives each rendering
 * engine its own WebGL contexts, so a throw-away viewport would warm a context the viewer never uses.
 * Resolves when drawn (or given up); a failure only costs the warm-up.
 */
export async function warmViewport(controller: StackController, element: HTMLDivElement): Promise<void> {
  const started = performance.now();
  try {
    cacheWarmUpImage();
    await controller.setStack([WARM_UP_IMAGE_ID], 0);
    await nextDraw(element, WARM_UP_LIMIT_MS);
    // What was compiled stays with the context; the image is hidden, so that redraws before a series is
    // chosen (the layout settling, a resize) draw an empty viewport instead of filling it in software.
    // Shown again (black) as soon as the next stack starts loading: the camera fit that carries over to
    // its first image measures visible actors only, and with none it broke (the first frame black or a
    // 0.03x zoom, caught by real-ct.spec and phantom.spec).
    const viewport = getEnabledElement(element)?.viewport as Types.IStackViewport | undefined;
    const actors = viewport?.getActors() ?? [];
    const show = (visible: boolean) => {
      for (const { actor } of actors) (actor as { setVisibility?: (visible: boolean) => void }).setVisibility?.(visible);
    };
    show(false);
    element.addEventListener(Enums.Events.PRE_STACK_NEW_IMAGE, () => show(true), { once: true });
    viewport?.render();
    performance.measure('vesalius:viewport-warm', { start: started });
  } catch (e) {
    console.warn(`cornerstone: viewport warm-up failed (the first image will compile the display path instead): ${e instanceof Error ? e.message : String(e)}`);
  }
}
