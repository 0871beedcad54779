import { describe, expect, it } from 'vitest';
import { markersOfCamera } from './cameraMarkers';

// cornerstone's cameras for OrientationAxis AXIAL, SAGITTAL and CORONAL (viewPlaneNormal, viewUp).
describe('markersOfCamera', () => {
  it('axial: anterior on top, patient right on screen left', () => {
    expect(markersOfCamera({ viewPlaneNormal: [0, 0, -1], viewUp: [0, -1, 0] })).toEqual({ top: 'A', bottom: 'P', left: 'R', right: 'L' });
  });
  it('sagittal: head on top, anterior on screen left', () => {
    expect(markersOfCamera({ viewPlaneNormal: [1, 0, 0], viewUp: [0, 0, 1] })).toEqual({ top: 'S', bottom: 'I', left: 'A', right: 'P' });
  });
  it('coronal: head on top, patient right on screen left', () => {
    expect(markersOfCamera({ viewPlaneNormal: [0, -1, 0], viewUp: [0, 0, 1] })).toEqual({ top: 'S', bottom: 'I', left: 'R', right: 'L' });
  });
  it('no camera yet: no markers', () => {
    expect(markersOfCamera({})).toBeNull();
  });
});
