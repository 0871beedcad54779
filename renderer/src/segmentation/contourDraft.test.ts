import { describe, expect, it } from 'vitest';
import type { Ijk } from '../../../core/annotations/edit/types';
import { extendContour, rectangleContour, rectangleRefusal, resizeRectangle, startContour, svgPathOf, type CanvasToIjk } from './contourDraft';

describe('contour draft', () => {
  it('keeps points a pixel or more apart, in ijk and on the canvas alike, as new objects', () => {
    const start = startContour(1, [1, 2, 3], [10, 20]);
    const same = extendContour(start, [1.1, 2, 3], [10.5, 20]);
    expect(same).toBe(start);
    const next = extendContour(start, [4, 2, 3], [40, 20]);
    expect(next).not.toBe(start);
    expect(next.pointsIjk).toEqual([[1, 2, 3], [4, 2, 3]]);
    expect(next.canvasPoints).toEqual([[10, 20], [40, 20]]);
    expect(start.pointsIjk).toHaveLength(1);
    expect(next.value).toBe(1);
  });

  it('draws the outline closed back to the first point', () => {
    expect(svgPathOf([[0, 0], [10, 0], [10, 5.25]])).toBe('M 0.0 0.0 L 10.0 0.0 L 10.0 5.3 Z');
    expect(svgPathOf([])).toBe('');
  });

  // A view turned 90° and zoomed 2×: canvas x runs down the rows (j), canvas y against the columns (i).
  const turned: CanvasToIjk = ([x, y]) => (x < 0 ? null : ([100 - y / 2, x / 2, 3] as Ijk));

  it('carries a rectangle into ijk corner by corner, so a turned view fills what is seen; its anchor stays as it is dragged', () => {
    const start = rectangleContour(0, [10, 20], [10, 20], turned);
    expect(start?.shape).toBe('rectangle');
    expect(rectangleRefusal(start!)).toMatch(/no width or height/);
    const dragged = resizeRectangle(start!, [30, 60], turned);
    expect(dragged.canvasPoints).toEqual([[10, 20], [30, 20], [30, 60], [10, 60]]);
    expect(dragged.pointsIjk).toEqual([[90, 5, 3], [90, 15, 3], [70, 15, 3], [70, 5, 3]]);
    expect(dragged.value).toBe(0);
    expect(rectangleRefusal(dragged)).toBeNull();
    // A corner off the image keeps the last rectangle.
    expect(resizeRectangle(dragged, [-5, 60], turned)).toBe(dragged);
    expect(rectangleContour(1, [-1, 0], [5, 5], turned)).toBeNull();
    // A freehand outline is never refused as a rectangle.
    expect(rectangleRefusal(startContour(1, [1, 2, 3], [10, 20]))).toBeNull();
  });
});
