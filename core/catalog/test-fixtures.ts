// Small studies with chosen patient, date, modality and description, written by our own DICOM writer.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodePart10, fixtureSyntaxUid, newUid } from '../fixtures/dicom-writer';
import { CT_IMAGE_STORAGE } from '../fixtures/phantom';

export interface TinyStudy {
  patientName: string;
  patientId: string;
  studyDate: string;
  modality: string;
  studyDescription: string;
  seriesDescription?: string;
  accessionNumber?: string;
  slices?: number;
}

export interface WrittenStudy {
  studyUid: string;
  seriesUid: string;
  files: string[];
}

/** Writes one series of `slices` 4×4 slices into `dir`; returns its UIDs and files. */
export async function writeTinyStudy(dir: string, study: TinyStudy): Promise<WrittenStudy> {
  const studyUid = newUid();
  const seriesUid = newUid();
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const slices = study.slices ?? 3;
  for (let k = 0; k < slices; k++) {
    const dataset = {
      SOPClassUID: CT_IMAGE_STORAGE,
      SOPInstanceUID: newUid(),
      StudyDate: study.studyDate,
      StudyTime: '090000',
      AccessionNumber: study.accessionNumber ?? '',
      Modality: study.modality,
      StudyDescription: study.studyDescription,
      SeriesDescription: study.seriesDescription ?? `${study.modality} series`,
      PatientName: study.patientName,
      PatientID: study.patientId,
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: seriesUid,
      SeriesNumber: 1,
      InstanceNumber: k + 1,
      ImagePositionPatient: [0, 0, k * 2],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: 4,
      Columns: 4,
      PixelSpacing: [1, 1],
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
    };
    const pixels = new Uint8Array(4 * 4 * 2).fill(k);
    const filePath = path.join(dir, `slice-${k + 1}.dcm`);
    await writeFile(filePath, encodePart10(dataset, fixtureSyntaxUid['explicit-le'], { frames: [pixels], vr: 'OW' }));
    files.push(filePath);
  }
  return { studyUid, seriesUid, files };
}
