// A closed outline being drawn (freehand contour fill and scissors, rectangle fill and scissors): its points in ijk
// for the fill, on the canvas for the outline shown. A rectangle is the 4-point outline of its corners, filled by the
// same polygon kernel (core/annotations/edit/contour.ts), which gives exactly the pixel centres inside or on it.
import type { Ijk } from '../../../core/annotations/edit/types';

export interface ContourDraft {
  /** 1: the inside joins the segment (contour fill); 0: it leaves it (scissors). */
  value: 0 | 1;
  /** A freehand outline (grows point by point), or a rectangle (its first canvas point the fixed corner). */
  shape: 'freehand' | 'rectangle';
  pointsIjk: readonly Ijk[];
  /** The same points on the canvas (css px), for the outline under the pointer. */
  canvasPoints: readonly (readonly [number, number])[];
}

/** Mouse moves closer than this to the last kept point add nothing (a still pointer would pile up points). */
export const MIN_CONTOUR_STEP_PX = 1;

export function startContour(value: 0 | 1, ijk: Ijk, canvas: readonly [number, number]): ContourDraft {
  return { value, shape: 'freehand', pointsIjk: [ijk], canvasPoints: [canvas] };
}

/** The draft with one more point (a new object, so a reactive holder sees the change), or the same draft when the step is too small. */
export function extendContour(draft: ContourDraft, ijk: Ijk, canvas: readonly [number, number]): ContourDraft {
  const last = draft.canvasPoints[draft.canvasPoints.length - 1];
  if (last && Math.hypot(canvas[0] - last[0], canvas[1] - last[1]) < MIN_CONTOUR_STEP_PX) return draft;
  return { value: draft.value, shape: 'freehand', pointsIjk: [...draft.pointsIjk, ijk], canvasPoints: [...draft.canvasPoints, canvas] };
}

/** A canvas point (css px) in continuous ijk, or null off the image (the viewport's canvas → world → the grid). */
export type CanvasToIjk = (canvas: readonly [number, number]) => Ijk | null;

/**
 * The rectangle with corners `anchor` and `corner` on the canvas, as a 4-point outline in drawing order: the screen's
 * rectangle carried into ijk corner by corner, so a rotated or flipped view fills what the user sees. Null when a
 * corner is off the image.
 */
export function rectangleContour(value: 0 | 1, anchor: readonly [number, number], corner: readonly [number, number], toIjk: CanvasToIjk): ContourDraft | null {
  const canvasPoints: (readonly [number, number])[] = [
    [anchor[0], anchor[1]],
    [corner[0], anchor[1]],
    [corner[0], corner[1]],
    [anchor[0], corner[1]],
  ];
  const pointsIjk: Ijk[] = [];
  for (const point of canvasPoints) {
    const ijk = toIjk(point);
    if (!ijk) return null;
    pointsIjk.push(ijk);
  }
  return { value, shape: 'rectangle', pointsIjk, canvasPoints };
}

/** The rectangle dragged on to a new corner (its anchor stays), or the same draft when that corner is off the image. */
export function resizeRectangle(draft: ContourDraft, corner: readonly [number, number], toIjk: CanvasToIjk): ContourDraft {
  return rectangleContour(draft.value, draft.canvasPoints[0], corner, toIjk) ?? draft;
}

/** Why a rectangle cannot be filled (narrower than this on the canvas: a click, not a drag), or null. */
export const MIN_RECTANGLE_SIDE_PX = 1;
export function rectangleRefusal(draft: ContourDraft): string | null {
  if (draft.shape !== 'rectangle') return null;
  const [a, , c] = draft.canvasPoints;
  const narrow = Math.min(Math.abs(c[0] - a[0]), Math.abs(c[1] - a[1])) < MIN_RECTANGLE_SIDE_PX;
  return narrow ? 'the rectangle has no width or height: drag from one corner to the opposite one' : null;
}

/** An SVG path of the outline, closed back to the first point (what the fill will use). */
export function svgPathOf(canvasPoints: readonly (readonly [number, number])[]): string {
  if (canvasPoints.length === 0) return '';
  const [first, ...rest] = canvasPoints;
  const at = (p: readonly [number, number]): string => `${p[0].toFixed(1)} ${p[1].toFixed(1)}`;
  return `M ${at(first)}${rest.map((p) => ` L ${at(p)}`).join('')} Z`;
}
