import { getEnabledElementByViewportId } from '@cornerstonejs/core';

/** The on-page element of the cornerstone viewport with this id (a volume view's), or null while it is not enabled. */
export function findViewportElement(viewportId: string): HTMLDivElement | null {
  const element = getEnabledElementByViewportId(viewportId)?.viewport.element;
  return element?.isConnected ? element : null;
}
