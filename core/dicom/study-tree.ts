import type { Instance, Patient, Series, Study } from '../contract/dicom';
import { expandFrames, orderImages } from '../geometry/slice-order';
import type { InstanceRecord } from './describe-instance';

const compareNullableNumbers = (a: number | null, b: number | null): number =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a - b;

const comparePaths = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A series' instances in canonical order (core/geometry/slice-order: normal, SliceLocation, InstanceNumber, SOP UID / path). */
export const sortInstances = (instances: readonly Instance[]): Instance[] => orderImages(instances).images;

export type SeriesFields = Omit<Series, 'instances' | 'frames'>;

/**
 * A Series from its header fields and its instances in any order: the instances in canonical order
 * and the frame list they expand to. Every place that makes a Series (the indexer, the catalog) goes through here.
 */
export function assembleSeries(fields: SeriesFields, instances: readonly Instance[]): Series {
  const ordered = sortInstances(instances);
  return { ...fields, instances: ordered, frames: expandFrames(ordered) };
}

/** Which files belong to one patient: the same Patient ID, or the same name where the ID is blank. */
export const patientKeyOf = (patient: { patientId: string; patientName: string }): string =>
  patient.patientId ? `id:${patient.patientId}` : `name:${patient.patientName}`;

export type KeyedRecord = InstanceRecord & { fileKey: string };

/** Groups instances into Patient → Study → Series, each level in a stable, readable order. */
export function buildStudyTree(records: KeyedRecord[]): Patient[] {
  const patients = new Map<string, Patient>();
  const studies = new Map<string, Study>();
  const seriesParts = new Map<string, { fields: SeriesFields; instances: Instance[]; study: Study }>();

  for (const record of records) {
    const patientKey = patientKeyOf(record.patient);
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
    let parts = seriesParts.get(seriesKey);
    if (!parts) {
      parts = { fields: record.series, instances: [], study };
      seriesParts.set(seriesKey, parts);
    }
    parts.instances.push({ ...record.instance, fileKey: record.fileKey });
  }
  for (const { fields, instances, study } of seriesParts.values()) study.series.push(assembleSeries({ ...fields }, instances));

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
    }
  }
  return sortedPatients;
}
