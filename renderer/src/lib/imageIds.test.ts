import { describe, expect, it } from 'vitest';
import type { Instance, Series } from '../../../core/contract/dicom';
import { assembleSeries } from '../../../core/dicom/study-tree';
import { middleIndex, slicePositionMm, stackFramesForSeries } from './imageIds';

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
const header = { seriesInstanceUid: '1', seriesNumber: 1, modality: 'US', description: '' };

describe('slicePositionMm', () => {
  it('measures slice position along the normal of a sagittal plane', () => {
    const sagittal = instance({ imageOrientationPatient: [0, 1, 0, 0, 0, -1], imagePositionPatient: [12, 3, 4] });
    expect(slicePositionMm(sagittal)).toBeCloseTo(-12);
  });

  it('gives SliceLocation when the position is missing or the orientation unusable', () => {
    expect(slicePositionMm(instance({ imagePositionPatient: null, sliceLocation: 7.5 }))).toBe(7.5);
    expect(slicePositionMm(instance({ imageOrientationPatient: [2, 0, 0, 0, 1, 0], sliceLocation: -1 }))).toBe(-1);
    expect(slicePositionMm(instance({ imagePositionPatient: null, imageOrientationPatient: null }))).toBeNull();
  });
});

describe('stackFramesForSeries', () => {
  it('expands multi-frame instances into one 1-based frame imageId each', () => {
    const series = assembleSeries(header, [instance({ fileKey: 'multi/key', numberOfFrames: 3 })]);
    const frames = stackFramesForSeries(series, 'http://127.0.0.1:5000');
    expect(frames.map((f) => f.imageId)).toEqual([
      'wadouri:http://127.0.0.1:5000/dicom/multi%2Fkey?frame=1',
      'wadouri:http://127.0.0.1:5000/dicom/multi%2Fkey?frame=2',
      'wadouri:http://127.0.0.1:5000/dicom/multi%2Fkey?frame=3',
    ]);
  });

  it('stacks the series frame list as it is, in canonical order (along the normal, not by instance number)', () => {
    const series = assembleSeries(header, [
      instance({ sopInstanceUid: '1.3', fileKey: 'c', instanceNumber: 1, imagePositionPatient: [0, 0, 10] }),
      instance({ sopInstanceUid: '1.1', fileKey: 'a', instanceNumber: 3, imagePositionPatient: [0, 0, -5] }),
      instance({ sopInstanceUid: '1.2', fileKey: 'b', instanceNumber: 2, imagePositionPatient: [0, 0, 2.5], numberOfFrames: 2 }),
    ]);
    const frames = stackFramesForSeries(series, 'http://h');
    expect(frames.map((f) => f.imageId)).toEqual(['wadouri:http://h/dicom/a', 'wadouri:http://h/dicom/b?frame=1', 'wadouri:http://h/dicom/b?frame=2', 'wadouri:http://h/dicom/c']);
    expect(frames.map((f) => f.instance.sopInstanceUid)).toEqual(['1.1', '1.2', '1.2', '1.3']);
    // The list is used as given: the renderer never re-sorts it.
    const reversed: Series = { ...series, frames: [...series.frames].reverse() };
    expect(stackFramesForSeries(reversed, 'http://h').map((f) => f.frame)).toEqual([null, 2, 1, null]);
  });

  it('names a frame whose file key none of the instances has', () => {
    const series = assembleSeries(header, [instance({ fileKey: 'a' })]);
    const broken: Series = { ...series, frames: [{ sopInstanceUid: '9.9', frame: null, fileKey: 'gone' }] };
    expect(() => stackFramesForSeries(broken, 'http://h')).toThrow(/series 1: frame 0 \(SOP instance 9.9\) names file key gone/);
  });

  it('picks the middle slice of a stack', () => {
    expect(middleIndex(20)).toBe(9);
    expect(middleIndex(1)).toBe(0);
    expect(middleIndex(0)).toBe(0);
  });
});
