/** Width of an open dock's panel and of the strip that holds every dock's tab (CSS px). */
export const DOCK_PANEL_WIDTH = 380;
export const DOCK_TAB_STRIP_WIDTH = 26;

/** The dock open after its tab is pressed: it opens (closing the one open) or, when it was open, closes. */
export const toggledDock = (open: string | null, pressed: string): string | null => (open === pressed ? null : pressed);

/** How far the viewport ends from the viewer's right edge: the tab strip, and the open dock's panel. */
export const dockInsetPx = (open: string | null): number => DOCK_TAB_STRIP_WIDTH + (open === null ? 0 : DOCK_PANEL_WIDTH);
