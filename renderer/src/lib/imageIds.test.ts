import { describe, expect, it } from 'vitest';
import type { Instance, Series } from '../../../core/contract/dicom';
import { middleIndex, slicePositionMm, sortInstances, stackFramesForSeries } from './imageIds';

const axial = [1, 0, 0, 0, 1, 0] as [number, number, number, number, number, number];
const instance = (over: Partial<Instance>): Instance => ({
  sopInstanceUid: '1.2.3',
  sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
  path: '/x',
  fileKey: 'k',
  instanceNumber: 1,
  imagePositionPatient: [0, 0, 0],
  imageOrientationPatient: axial,
  sliceLocation: null,
  numberOfFrames: 1,
  rows: 4,
  columns: 4,
  transferSyntaxUid: '1.2.840.10008.1.2.1',
  ...over,
});

describe('stack ordering', () => {
  it('sorts by position along the slice normal, not by instance number', () => {
    const sorted = sortInstances([
      instance({ fileKey: 'c', instanceNumber: 1, imagePositionPatient: [0, 0, 10] }),
      instance({ fileKey: 'a', instanceNumber: 3, imagePositionPatient: [0, 0, -5] }),
      instance({ fileKey: 'b', instanceNumber: 2, imagePositionPatient: [0, 0, 2.5] }),
    ]);
    expect(sorted.map((i) => i.fileKey)).toEqual(['a', 'b', 'c']);
  });

  it('falls back to instance number without geometry', () => {
    const sorted = sortInstances([
      instance({ fileKey: 'b', instanceNumber: 2, imagePositionPatient: null, imageOrientationPatient: null }),
      instance({ fileKey: 'a', instanceNumber: 1, imagePositionPatient: null, imageOrientationPatient: null }),
    ]);
    expect(sorted.map((i) => i.fileKey)).toEqual(['a', 'b']);
  });

  it('measures slice position along the normal of a sagittal plane', () => {
    const sagittal = instance({ imageOrientationPatient: [0, 1, 0, 0, 0, -1], imagePositionPatient: [12, 3, 4] });
    expect(slicePositionMm(sagittal)).toBeCloseTo(-12);
  });
});

describe('stackFramesForSeries', () => {
  it('expands multi-frame instances into one 1-based frame imageId each', () => {
    const series: Series = {
      seriesInstanceUid: '1',
      seriesNumber: 1,
      modality: 'US',
      description: '',
      instances: [instance({ fileKey: 'multi/key', numberOfFrames: 3 })],
    };
    const frames = stackFramesForSeries(series, 'http://127.0.0.1:5000');
    expect(frames.map((f) => f.imageId)).toEqual([
      'wadouri:http://127.0.0.1:5000/dicom/multi%2Fkey?frame=1',
      'wadouri:http://127.0.0.1:5000/dicom/multi%2Fkey?frame=2',
      'wadouri:http://127.0.0.1:5000/dicom/multi%2Fkey?frame=3',
    ]);
  });

  it('picks the middle slice of a stack', () => {
    expect(middleIndex(20)).toBe(9);
    expect(middleIndex(1)).toBe(0);
    expect(middleIndex(0)).toBe(0);
  });
});
