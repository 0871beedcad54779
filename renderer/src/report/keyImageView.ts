// Which view "Add key image" captures (pure: the layout's panes and the view last pointed at; no DOM, no cornerstone).
import type { KeyImageView } from '../../../core/report/model';
import type { LayoutPanes } from '../viewer/layout';

const viewNames: Record<KeyImageView, string> = { stack: 'Stack', axial: 'Axial', sagittal: 'Sagittal', coronal: 'Coronal' };
export const keyImageViewName = (view: KeyImageView): string => viewNames[view];

const isShown = (panes: LayoutPanes, view: KeyImageView): boolean => (view === 'stack' ? panes.stack : panes.mpr);

/**
 * The view to capture: the one the pointer was last over (the person looks where they point; the
 * button itself is in the dock) while it is on screen; else the stack where shown, else the axial view.
 */
export function captureTarget(panes: LayoutPanes, lastPointed: KeyImageView | null): KeyImageView | null {
  if (lastPointed && isShown(panes, lastPointed)) return lastPointed;
  if (panes.stack) return 'stack';
  return panes.mpr ? 'axial' : null;
}

/** The part of a DOM element used to find the view it is in (an Element fits). */
export interface ClosestLookup {
  closest(selector: string): { getAttribute(name: string): string | null } | null;
}

/** The view a pointer event's target is in: a volume view's element carries data-axis, the stack's is the viewport. */
export function viewUnder(target: ClosestLookup | null): KeyImageView | null {
  if (!target || typeof target.closest !== 'function') return null;
  const axis = target.closest('[data-axis]')?.getAttribute('data-axis');
  if (axis === 'axial' || axis === 'sagittal' || axis === 'coronal') return axis;
  return target.closest('[data-testid="viewport"]') ? 'stack' : null;
}

/** The caption a new key image starts with: the view and slice ("Sagittal slice 120 of 256"). */
export const keyImageStartCaption = (view: KeyImageView, slice: { number: number; count: number }): string => `${viewNames[view]} slice ${slice.number} of ${slice.count}`;
