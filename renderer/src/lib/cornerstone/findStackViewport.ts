import { getEnabledElements, Enums, type Types } from '@cornerstonejs/core';

/**
 * The on-page stack viewport that holds this imageId (the viewer's, not a thumbnail renderer's),
 * or null before it exists.
 */
export function findStackViewport(imageId: string): Types.IStackViewport | null {
  for (const enabled of getEnabledElements()) {
    const viewport = enabled?.viewport;
    if (viewport?.type !== Enums.ViewportType.STACK || !viewport.element.isConnected) continue;
    const stack = viewport as Types.IStackViewport;
    if (stack.getImageIds().includes(imageId)) return stack;
  }
  return null;
}
