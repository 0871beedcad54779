import { describe, expect, it } from 'vitest';
import type { Instance } from '../contract/dicom';
import type { InstanceRecord } from './describe-instance';
import { buildStudyTree, sortInstances, type KeyedRecord } from './study-tree';

const axial: Instance['imageOrientationPatient'] = [1, 0, 0, 0, 1, 0];

function instance(path: string, fields: Partial<Instance> = {}): Instance {
  return {
    sopInstanceUid: `1.2.3.${path.replace(/\D/g, '') || '0'}`,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    path,
    fileKey: `key-${path}`,
    instanceNumber: null,
    imagePositionPatient: null,
    imageOrientationPatient: axial,
    sliceLocation: null,
    numberOfFrames: 1,
    rows: 8,
    columns: 8,
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    ...fields,
  };
}

const paths = (list: Instance[]): string[] => list.map((i) => i.path);

describe('sortInstances', () => {
  it('orders by position along the slice normal, whatever the file and instance-number order', () => {
    const slices = [30, -10, 20, 0, 10].map((z, k) =>
      instance(`z${z}`, { imagePositionPatient: [-100, -100, z], instanceNumber: 5 - k }),
    );
    expect(paths(sortInstances(slices))).toEqual(['z-10', 'z0', 'z10', 'z20', 'z30']);
    expect(paths(sortInstances([...slices].reverse()))).toEqual(['z-10', 'z0', 'z10', 'z20', 'z30']);
  });

  it('uses the normal of the orientation, not z, for sagittal slices', () => {
    const sagittal: Instance['imageOrientationPatient'] = [0, 1, 0, 0, 0, -1];
    // normal = (0,1,0) × (0,0,-1) = (-1, 0, 0): larger x comes first.
    const slices = [5, -5, 0].map((x) => instance(`x${x}`, { imageOrientationPatient: sagittal, imagePositionPatient: [x, 0, 99 - x] }));
    expect(paths(sortInstances(slices))).toEqual(['x5', 'x0', 'x-5']);
  });

  it('falls back to instance number, then path, when any position is missing', () => {
    const slices = [
      instance('c', { imagePositionPatient: [0, 0, 1], instanceNumber: 2 }),
      instance('a', { imagePositionPatient: null, instanceNumber: 3 }),
      instance('d', { imagePositionPatient: [0, 0, 9], instanceNumber: 1 }),
      instance('b', { imagePositionPatient: null, instanceNumber: null }),
      instance('a0', { imagePositionPatient: null, instanceNumber: null }),
    ];
    expect(paths(sortInstances(slices))).toEqual(['d', 'c', 'a', 'a0', 'b']);
  });

  it('falls back to SliceLocation before InstanceNumber when a position is missing', () => {
    const slices = [
      instance('s1', { imagePositionPatient: [0, 0, 1], sliceLocation: 20, instanceNumber: 1 }),
      instance('s2', { imagePositionPatient: null, sliceLocation: -3, instanceNumber: 2 }),
    ];
    expect(paths(sortInstances(slices))).toEqual(['s2', 's1']);
  });

  it('falls back when no instance has an orientation', () => {
    const slices = [instance('p2', { imageOrientationPatient: null, imagePositionPatient: [0, 0, -5], instanceNumber: 2 }), instance('p1', { imageOrientationPatient: null, imagePositionPatient: [0, 0, 5], instanceNumber: 1 })];
    expect(paths(sortInstances(slices))).toEqual(['p1', 'p2']);
  });
});

function record(path: string, patientId: string, study: string, series: string, seriesNumber: number | null, z: number): KeyedRecord {
  const { fileKey, ...inst } = instance(path, { imagePositionPatient: [0, 0, z] });
  const base: InstanceRecord = {
    instance: inst,
    patient: { patientId, patientName: `Name^${patientId}`, birthDate: '', sex: '' },
    study: { studyInstanceUid: study, studyDate: '20260101', studyTime: '', description: '', accessionNumber: '' },
    series: { seriesInstanceUid: series, seriesNumber, modality: 'CT', description: '' },
  };
  return { ...base, fileKey };
}

describe('buildStudyTree', () => {
  it('groups patient → study → series and orders each level', () => {
    const tree = buildStudyTree([
      record('f1', 'B', '1.1', '1.1.2', 2, 0),
      record('f2', 'A', '2.1', '2.1.1', 1, 0),
      record('f3', 'B', '1.1', '1.1.1', 1, 5),
      record('f4', 'B', '1.1', '1.1.1', 1, -5),
      record('f5', 'B', '1.1', '1.1.3', null, 0),
    ]);
    expect(tree.map((p) => p.patientId)).toEqual(['A', 'B']);
    const patientB = tree[1];
    expect(patientB.studies).toHaveLength(1);
    expect(patientB.studies[0].series.map((s) => s.seriesInstanceUid)).toEqual(['1.1.1', '1.1.2', '1.1.3']);
    expect(paths(patientB.studies[0].series[0].instances)).toEqual(['f4', 'f3']);
    expect(patientB.studies[0].series[0].instances[0].fileKey).toBe('key-f4');
  });

  it('gives each series its canonical frame list, whatever order the files were read in', () => {
    const records = [record('f1', 'A', '1.1', '1.1.1', 1, 5), record('f2', 'A', '1.1', '1.1.1', 1, -5), record('f3', 'A', '1.1', '1.1.1', 1, 0)];
    records[2].instance.numberOfFrames = 2;
    const expected = [
      { sopInstanceUid: '1.2.3.2', frame: null, fileKey: 'key-f2' },
      { sopInstanceUid: '1.2.3.3', frame: 1, fileKey: 'key-f3' },
      { sopInstanceUid: '1.2.3.3', frame: 2, fileKey: 'key-f3' },
      { sopInstanceUid: '1.2.3.1', frame: null, fileKey: 'key-f1' },
    ];
    for (const order of [records, [...records].reverse()]) {
      const [series] = buildStudyTree(order)[0].studies[0].series;
      expect(series.frames).toEqual(expected);
      expect(paths(series.instances)).toEqual(['f2', 'f3', 'f1']);
    }
  });
});
