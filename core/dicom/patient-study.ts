// The Patient and General Study modules an exported object (SEG, SR, Encapsulated PDF) copies from a
// source image of the study, so it files under the same patient and study (PS3.3 C.7.1.1, C.7.2.1).
import type { DataSet } from 'dicom-parser';
import type { NaturalDataset } from './dcmjs-api';

/** Patient and General Study attributes copied, by keyword and tag. */
const COPIED_TEXT: readonly [keyword: string, tag: string][] = [
  ['PatientName', 'x00100010'],
  ['PatientID', 'x00100020'],
  ['IssuerOfPatientID', 'x00100021'],
  ['PatientBirthDate', 'x00100030'],
  ['PatientSex', 'x00100040'],
  ['StudyInstanceUID', 'x0020000d'],
  ['StudyDate', 'x00080020'],
  ['StudyTime', 'x00080030'],
  ['ReferringPhysicianName', 'x00080090'],
  ['StudyID', 'x00200010'],
  ['AccessionNumber', 'x00080050'],
  ['StudyDescription', 'x00081030'],
];

/** Type 2 attributes of the two modules: present, empty when the source has none. */
const PATIENT_STUDY_TYPE_2: NaturalDataset = Object.fromEntries(
  ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber'].map((k) => [k, '']),
);

/** A text value decoded as the file's character set says (UTF-8 for ISO_IR 192, else Latin-1 as dicom-parser reads it). */
function textOf(dataSet: DataSet, tag: string, utf8: boolean): string | undefined {
  const element = dataSet.elements[tag];
  if (!element) return undefined;
  if (!utf8) return dataSet.string(tag) ?? '';
  return Buffer.from(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + element.dataOffset, element.length).toString('utf8').replace(/[\0 ]+$/, '');
}

/** The patient and study attributes a source image's header carries, naturalised (absent ones left out). */
export function patientStudyOf(header: DataSet): NaturalDataset {
  const utf8 = (header.string('x00080005') ?? '').includes('ISO_IR 192');
  const patientStudy: NaturalDataset = {};
  for (const [keyword, tag] of COPIED_TEXT) {
    const value = textOf(header, tag, utf8);
    if (value !== undefined) patientStudy[keyword] = value;
  }
  return patientStudy;
}

/** The two modules as written: the copied values over the type 2 attributes, empty where the source has none. */
export const patientStudyModules = (copied: NaturalDataset): NaturalDataset => ({ ...PATIENT_STUDY_TYPE_2, ...copied });
