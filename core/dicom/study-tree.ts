import type { Instance, Patient, Series, Study } from '../contract/dicom';
import type { InstanceRecord } from './describe-instance';

type Vec3 = [number, number, number];

const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** The slice normal (row × column direction) of the first instance that has an orientation, or null. */
function sliceNormal(instances: Instance[]): Vec3 | null {
  for (const instance of instances) {
    const iop = instance.imageOrientationPatient;
    if (!iop) continue;
    const normal = cross([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]);
    if (Math.hypot(...normal) > 1e-6) return normal;
  }
  return null;
}

const compareNullableNumbers = (a: number | null, b: number | null): number =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a - b;

const comparePaths = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Orders a series' instances along the slice normal (ImagePositionPatient · normal), ascending.
 * When any instance lacks a position (or there is no orientation), falls back to InstanceNumber, then path.
 */
export function sortInstances(instances: Instance[]): Instance[] {
  const normal = sliceNormal(instances);
  const allPositioned = normal !== null && instances.every((i) => i.imagePositionPatient !== null);
  const distance = (i: Instance): number | null =>
    allPositioned && normal && i.imagePositionPatient ? dot(i.imagePositionPatient, normal) : null;
  return [...instances].sort(
    (a, b) =>
      compareNullableNumbers(distance(a), distance(b)) ||
      compareNullableNumbers(a.instanceNumber, b.instanceNumber) ||
      comparePaths(a.path, b.path),
  );
}

export type KeyedRecord = InstanceRecord & { fileKey: string };

/** Groups instances into Patient → Study → Series, each level in a stable, readable order. */
export function buildStudyTree(records: KeyedRecord[]): Patient[] {
  const patients = new Map<string, Patient>();
  const studies = new Map<string, Study>();
  const series = new Map<string, Series>();

  for (const record of records) {
    const patientKey = record.patient.patientId ? `id:${record.patient.patientId}` : `name:${record.patient.patientName}`;
    let patient = patients.get(patientKey);
    if (!patient) {
      patient = { ...record.patient, studies: [] };
      patients.set(patientKey, patient);
    }
    const studyKey = `${patientKey}\n${record.study.studyInstanceUid}`;
    let study = studies.get(studyKey);
    if (!study) {
      study = { ...record.study, series: [] };
      studies.set(studyKey, study);
      patient.studies.push(study);
    }
    const seriesKey = `${studyKey}\n${record.series.seriesInstanceUid}`;
    let oneSeries = series.get(seriesKey);
    if (!oneSeries) {
      oneSeries = { ...record.series, instances: [] };
      series.set(seriesKey, oneSeries);
      study.series.push(oneSeries);
    }
    oneSeries.instances.push({ ...record.instance, fileKey: record.fileKey });
  }

  const sortedPatients = [...patients.values()].sort(
    (a, b) => comparePaths(a.patientName, b.patientName) || comparePaths(a.patientId, b.patientId),
  );
  for (const patient of sortedPatients) {
    patient.studies.sort(
      (a, b) =>
        comparePaths(a.studyDate + a.studyTime, b.studyDate + b.studyTime) || comparePaths(a.studyInstanceUid, b.studyInstanceUid),
    );
    for (const study of patient.studies) {
      study.series.sort(
        (a, b) => compareNullableNumbers(a.seriesNumber, b.seriesNumber) || comparePaths(a.seriesInstanceUid, b.seriesInstanceUid),
      );
      for (const oneSeries of study.series) oneSeries.instances = sortInstances(oneSeries.instances);
    }
  }
  return sortedPatients;
}
