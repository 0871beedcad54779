// The report PDF as an Encapsulated PDF Storage instance (PS3.3 A.45.1) filed in the study it reports on.
import type { NaturalDataset } from '../../dicom/dcmjs-api';
import { patientStudyModules } from '../../dicom/patient-study';
import { encodePart10, newUid } from '../../dicom/part10-writer';
import { EXPLICIT_LE } from '../../dicom/transfer-syntax';
import { codeItem, dicomDate, dicomDateTime, dicomTime, lo } from '../../dicom/value-text';
import { vesaliusEquipment } from '../../dicom/writer-identity';

export const ENCAPSULATED_PDF_STORAGE = '1.2.840.10008.5.1.4.1.1.104.1';

/** LOINC 18748-4: the document is a diagnostic imaging report. */
const DIAGNOSTIC_IMAGING_REPORT = { value: '18748-4', scheme: 'LN', meaning: 'Diagnostic imaging report' };

export interface EncapsulatedPdfInput {
  /** The PDF file's bytes, unchanged. */
  pdf: Uint8Array;
  /** Patient and General Study attributes of the study, copied from one of its images (core/dicom/patient-study). */
  patientStudy: NaturalDataset;
  /** Document Title (0042,0010) and SeriesDescription. */
  title: string;
  /**
   * Whether the PDF shows the patient's identity (name, ID, birth date — the report's header does):
   * then BurnedInAnnotation is YES, so de-identification knows the document itself carries PHI.
   */
  showsPatientIdentity: boolean;
  /** When the document was made (ContentDate/Time, SeriesDate/Time); now by default. */
  now?: Date;
}

export interface EncapsulatedPdfResult {
  bytes: Buffer;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

/** Thrown when the input cannot become an Encapsulated PDF; the message says why in words. */
export class EncapsulatedPdfError extends Error {
  override name = 'EncapsulatedPdfError';
}

/** The Encapsulated PDF instance's bytes, in a new series of the study (Modality DOC). */
export function encodeEncapsulatedPdf(input: EncapsulatedPdfInput): EncapsulatedPdfResult {
  if (!input.patientStudy.StudyInstanceUID) throw new EncapsulatedPdfError('the study has no StudyInstanceUID to file the report PDF under');
  const signature = Buffer.from(input.pdf.buffer, input.pdf.byteOffset, Math.min(5, input.pdf.byteLength)).toString('latin1');
  if (signature !== '%PDF-') throw new EncapsulatedPdfError(`the report bytes do not start with %PDF- (they start with ${JSON.stringify(signature)}), so they are not a PDF`);
  const now = input.now ?? new Date();
  const sopInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  // OB values have even length: a PDF of odd length gets one NUL, and EncapsulatedDocumentLength keeps the true length.
  const padded = new Uint8Array(input.pdf.byteLength + (input.pdf.byteLength % 2));
  padded.set(input.pdf);
  const dataset: NaturalDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: ENCAPSULATED_PDF_STORAGE,
    SOPInstanceUID: sopInstanceUid,
    ...patientStudyModules(input.patientStudy),
    // Encapsulated Document Series
    Modality: 'DOC',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: 301,
    SeriesDate: dicomDate(now),
    SeriesTime: dicomTime(now),
    SeriesDescription: lo(input.title),
    // General Equipment, SC Equipment (a workstation made the document)
    ...vesaliusEquipment(),
    ConversionType: 'WSD',
    // Encapsulated Document
    InstanceNumber: 1,
    ContentDate: dicomDate(now),
    ContentTime: dicomTime(now),
    AcquisitionDateTime: dicomDateTime(now),
    BurnedInAnnotation: input.showsPatientIdentity ? 'YES' : 'NO',
    DocumentTitle: input.title.slice(0, 1024), // ST
    ConceptNameCodeSequence: [codeItem(DIAGNOSTIC_IMAGING_REPORT)],
    MIMETypeOfEncapsulatedDocument: 'application/pdf',
    EncapsulatedDocument: padded.buffer,
    EncapsulatedDocumentLength: input.pdf.byteLength,
    _vrMap: { EncapsulatedDocument: 'OB' },
  };
  return { bytes: encodePart10(dataset, EXPLICIT_LE), sopInstanceUid, seriesInstanceUid };
}
