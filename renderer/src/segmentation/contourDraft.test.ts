import { describe, expect, it } from 'vitest';
import { extendContour, startContour, svgPathOf } from './contourDraft';

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
});
