// A freehand contour being drawn (contour fill, scissors): its points in ijk for the fill, on the canvas for the outline shown.
import type { Ijk } from '../../../core/annotations/edit/types';

export interface ContourDraft {
  /** 1: the inside joins the segment (contour fill); 0: it leaves it (scissors). */
  value: 0 | 1;
  pointsIjk: readonly Ijk[];
  /** The same points on the canvas (css px), for the outline under the pointer. */
  canvasPoints: readonly (readonly [number, number])[];
}

/** Mouse moves closer than this to the last kept point add nothing (a still pointer would pile up points). */
export const MIN_CONTOUR_STEP_PX = 1;

export function startContour(value: 0 | 1, ijk: Ijk, canvas: readonly [number, number]): ContourDraft {
  return { value, pointsIjk: [ijk], canvasPoints: [canvas] };
}

/** The draft with one more point (a new object, so a reactive holder sees the change), or the same draft when the step is too small. */
export function extendContour(draft: ContourDraft, ijk: Ijk, canvas: readonly [number, number]): ContourDraft {
  const last = draft.canvasPoints[draft.canvasPoints.length - 1];
  if (last && Math.hypot(canvas[0] - last[0], canvas[1] - last[1]) < MIN_CONTOUR_STEP_PX) return draft;
  return { value: draft.value, pointsIjk: [...draft.pointsIjk, ijk], canvasPoints: [...draft.canvasPoints, canvas] };
}

/** An SVG path of the outline, closed back to the first point (what the fill will use). */
export function svgPathOf(canvasPoints: readonly (readonly [number, number])[]): string {
  if (canvasPoints.length === 0) return '';
  const [first, ...rest] = canvasPoints;
  const at = (p: readonly [number, number]): string => `${p[0].toFixed(1)} ${p[1].toFixed(1)}`;
  return `M ${at(first)}${rest.map((p) => ` L ${at(p)}`).join('')} Z`;
}
