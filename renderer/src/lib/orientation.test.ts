import { describe, expect, it } from 'vitest';
import { directionLetters, orientationMarkers } from './orientation';

describe('orientation markers', () => {
  it('labels a standard axial image: patient left on screen right, anterior on top', () => {
    expect(orientationMarkers([1, 0, 0, 0, 1, 0])).toEqual({ right: 'L', left: 'R', bottom: 'P', top: 'A' });
  });

  it('labels a coronal image with head on top', () => {
    expect(orientationMarkers([1, 0, 0, 0, 0, -1])).toEqual({ right: 'L', left: 'R', bottom: 'I', top: 'S' });
  });

  it('gives oblique directions their two strongest letters, strongest first', () => {
    expect(directionLetters([0.8, -0.6, 0])).toBe('LA');
  });

  it('returns null without an orientation', () => {
    expect(orientationMarkers(null)).toBeNull();
  });
});
