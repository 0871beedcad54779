// Test fixture: a small study seeded with identifying strings in every kind of place the profile
// covers — top level, sequences four levels deep, private attributes and Private Creators, person-name
// components, dates and times, UIDs inside references, an overlay and a curve group, long text — written
// by our own writers (dcmjs through core/dicom, the SEG writer for a SEG over the images), in explicit
// and implicit VR little endian, explicit big endian and deflated syntax, plus a second patient, a
// secondary capture and a file that is not DICOM.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { Provenance, SegmentationContent } from '../../annotations/model';
import { dcmjsData, type NaturalDataset } from '../../dicom/dcmjs-api';
import { FileRegistry } from '../../dicom/file-registry';
import { indexPaths } from '../../dicom/indexer';
import { metaHeaderEnd, newUid } from '../../dicom/part10-writer';
import { fixtureSyntaxUid, swap16, type FixtureSyntax } from '../../fixtures/dicom-writer';
import { encodeDicomSeg } from '../../masks/seg-writer';
import { segSourceOfSeries } from '../../masks/seg-writer-source';

/** Strings that must not survive de-identification anywhere in any output file. */
export const SEEDED_PHI = {
  familyName: 'Phiname',
  givenName: 'Johanna',
  middleName: 'Quincy',
  patientId: 'PHI-MRN-8812',
  otherPatientId: 'PHI-OTHER-553',
  birthDate: '19431127',
  address: '17 Phistreet Lane',
  telephone: '555-0199-PHI',
  accession: 'PHIACC9911',
  institution: 'Phimercy Hospital',
  institutionAddress: '1 Phimercy Way',
  department: 'Phiradiology Dept',
  referrer: 'Phireferrer',
  performer: 'Phiperformer',
  operator: 'Phioperator',
  studyDate: '20230415',
  contentTime: '134159.123456',
  studyDescription: 'Phistudy of the chest',
  seriesDescription: 'Phiseries axial',
  protocol: 'Phiprotocol 77',
  stationName: 'PHISTATION7',
  deviceSerial: 'PHISERIAL-4410',
  imageComments: 'PHILONGTEXT comment: seen by the team on the ward',
  requestComment: 'PHIREQUEST urgent',
  nestedName: 'Phinested',
  deepInstitution: 'Phideep Clinic',
  deepDate: '19991231',
  deepName: 'Phideepest',
  privateCreator: 'PHICREATOR CORP',
  privateValue: 'PHIPRIVATE-VALUE',
  privateNestedName: 'Phiprivseq',
  unsafeGe: 'PHI-GE-UNSAFE',
  overlayDescription: 'PHIOVERLAY-DESC',
  overlayComment: 'PHIOVERLAY-COMMENT',
  curveDescription: 'PHICURVE-DESC',
  secondPatientId: 'PHI-MRN-2222',
  secondPatientName: 'Phisecond',
  scComment: 'PHISC-COMMENT',
} as const;

export interface PhiStudy {
  root: string;
  /** CT slices of one series, in slice order, each in the syntax named. */
  ct: Array<{ file: string; syntax: FixtureSyntax; sopInstanceUid: string }>;
  seg: string;
  secondPatient: string;
  secondaryCapture: string;
  notDicom: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  /** Every source instance UID the study uses (they must all be replaced). */
  instanceUids: string[];
}

type RawElements = Record<string, { vr: string; Value: unknown[] }>;

/**
 * A Part 10 file from a naturalised data set plus elements dcmjs has no keyword for (private,
 * overlay and curve groups), given as its raw tag → {vr, Value} form. Deflated syntax as encodePart10
 * writes it: explicit little endian, deflated after the meta header.
 */
function writePart10(natural: NaturalDataset, raw: RawElements, syntax: FixtureSyntax, pixels?: { bytes: Uint8Array; vr: 'OW' | 'OB' }): Buffer {
  const transferSyntaxUid = fixtureSyntaxUid[syntax];
  const meta = dcmjsData.DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: natural.SOPClassUID,
    MediaStorageSOPInstanceUID: natural.SOPInstanceUID,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: '2.25.1234567890123',
    ImplementationVersionName: 'PHI_FIXTURE',
  });
  const body: NaturalDataset = { ...natural };
  if (pixels) {
    const data = syntax === 'explicit-be' && pixels.vr === 'OW' ? swap16(pixels.bytes) : pixels.bytes;
    body.PixelData = [data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)];
    body._vrMap = { PixelData: pixels.vr };
  }
  const dict = new dcmjsData.DicomDict(meta);
  dict.dict = { ...dcmjsData.DicomMetaDictionary.denaturalizeDataset(body), ...raw };
  const bytes = Buffer.from(dict.write());
  if (syntax !== 'deflate') return bytes;
  const metaEnd = metaHeaderEnd(bytes);
  return Buffer.concat([bytes.subarray(0, metaEnd), deflateRawSync(bytes.subarray(metaEnd))]);
}

const patientModule = (name: string, id: string): NaturalDataset => ({
  PatientName: name,
  PatientID: id,
  IssuerOfPatientID: 'PHI-ISSUER',
  PatientBirthDate: SEEDED_PHI.birthDate,
  PatientSex: 'F',
  PatientAge: '079Y',
  PatientWeight: 61.5,
  OtherPatientIDs: SEEDED_PHI.otherPatientId,
  PatientAddress: SEEDED_PHI.address,
  PatientTelephoneNumbers: SEEDED_PHI.telephone,
  PatientComments: `${SEEDED_PHI.familyName} prefers mornings`,
});

/** Private group 0009 (a creator and two values, one a sequence with a name in it) and GE's group 0043 (one safe value, one not). */
const privateElements = (): RawElements => ({
  '00090010': { vr: 'LO', Value: [SEEDED_PHI.privateCreator] },
  '00091001': { vr: 'LO', Value: [SEEDED_PHI.privateValue] },
  '00091002': { vr: 'SQ', Value: [{ '00100010': { vr: 'PN', Value: [{ Alphabetic: `${SEEDED_PHI.privateNestedName}^Name` }] } }] },
  '00430010': { vr: 'LO', Value: ['GEMS_PARM_01'] },
  '00431027': { vr: 'SH', Value: ['1.375:1'] },
  '00431028': { vr: 'LO', Value: [SEEDED_PHI.unsafeGe] },
});

/** Overlay group 6000 with data, description and comments; curve group 5000 with a description. */
const overlayAndCurve = (): RawElements => ({
  '50000005': { vr: 'US', Value: [1] },
  '50000010': { vr: 'US', Value: [2] },
  '50000020': { vr: 'CS', Value: ['TAC'] },
  '50000022': { vr: 'LO', Value: [SEEDED_PHI.curveDescription] },
  '50000103': { vr: 'US', Value: [0] },
  '50003000': { vr: 'OB', Value: [new Uint8Array([1, 2, 3, 4]).buffer] },
  '60000010': { vr: 'US', Value: [4] },
  '60000011': { vr: 'US', Value: [4] },
  '60000022': { vr: 'LO', Value: [SEEDED_PHI.overlayDescription] },
  '60000040': { vr: 'CS', Value: ['G'] },
  '60000050': { vr: 'SS', Value: [1, 1] },
  '60000100': { vr: 'US', Value: [1] },
  '60000102': { vr: 'US', Value: [0] },
  '60003000': { vr: 'OW', Value: [new Uint8Array([0xff, 0x0f]).buffer] },
  '60004000': { vr: 'LT', Value: [SEEDED_PHI.overlayComment] },
});

const SIZE = 8;
/** What dciodvfy wants of a CT image besides the above, so the generated inputs have no errors of their own. */
const CLEAN_CT: NaturalDataset = { Laterality: 'R', PatientPosition: 'HFS', PositionReferenceIndicator: '', KVP: 120, AcquisitionNumber: 1 };
const CT_SYNTAXES: FixtureSyntax[] = ['explicit-le', 'implicit-le', 'deflate', 'explicit-be'];

/** Writes the study under `root`: ct/, seg/, second/, sc/ and notes.txt. */
export async function writePhiStudy(root: string): Promise<PhiStudy> {
  const studyInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  const frameOfReferenceUid = newUid();
  const sopInstanceUids = CT_SYNTAXES.map(() => newUid());
  await mkdir(path.join(root, 'ct'), { recursive: true });
  const ct: PhiStudy['ct'] = [];
  for (let k = 0; k < CT_SYNTAXES.length; k++) {
    const syntax = CT_SYNTAXES[k];
    const natural: NaturalDataset = {
      SpecificCharacterSet: 'ISO_IR 100',
      ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      SOPInstanceUID: sopInstanceUids[k],
      InstanceCreationDate: SEEDED_PHI.studyDate,
      StudyDate: SEEDED_PHI.studyDate,
      SeriesDate: SEEDED_PHI.studyDate,
      AcquisitionDate: SEEDED_PHI.studyDate,
      ContentDate: SEEDED_PHI.studyDate,
      StudyTime: '101112',
      SeriesTime: '101113',
      AcquisitionTime: '101114',
      ContentTime: SEEDED_PHI.contentTime,
      AccessionNumber: SEEDED_PHI.accession,
      Modality: 'CT',
      Manufacturer: 'Vesalius fixture',
      InstitutionName: SEEDED_PHI.institution,
      InstitutionAddress: SEEDED_PHI.institutionAddress,
      ReferringPhysicianName: `${SEEDED_PHI.referrer}^Ralph`,
      StationName: SEEDED_PHI.stationName,
      StudyDescription: SEEDED_PHI.studyDescription,
      SeriesDescription: SEEDED_PHI.seriesDescription,
      InstitutionalDepartmentName: SEEDED_PHI.department,
      PerformingPhysicianName: `${SEEDED_PHI.performer}^Paula`,
      OperatorsName: `${SEEDED_PHI.operator}^Otto`,
      ...patientModule(`${SEEDED_PHI.familyName}^${SEEDED_PHI.givenName}^${SEEDED_PHI.middleName}^Dr^III`, SEEDED_PHI.patientId),
      DeviceSerialNumber: SEEDED_PHI.deviceSerial,
      ProtocolName: SEEDED_PHI.protocol,
      // Four levels: Procedure Code Sequence (kept) > Concept Name Code Sequence > Content Sequence > an item with PHI and a reference.
      ProcedureCodeSequence: [
        {
          CodeValue: 'P1',
          CodingSchemeDesignator: '99PHI',
          CodeMeaning: 'Chest CT',
          PersonName: `${SEEDED_PHI.nestedName}^Deep`,
          ConceptNameCodeSequence: [
            {
              CodeValue: 'C2',
              CodingSchemeDesignator: '99PHI',
              CodeMeaning: 'Level two',
              ContentSequence: [
                {
                  RelationshipType: 'CONTAINS',
                  ValueType: 'TEXT',
                  InstitutionName: SEEDED_PHI.deepInstitution,
                  ReferencedImageSequence: [
                    {
                      ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
                      ReferencedSOPInstanceUID: sopInstanceUids[0],
                      VerifyingObserverName: `${SEEDED_PHI.deepName}^Observer`,
                      ObservationDateTime: `${SEEDED_PHI.deepDate}120000`,
                      StudyDate: SEEDED_PHI.deepDate,
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
      RequestAttributesSequence: [{ RequestedProcedureID: 'PHIREQ-1', RequestedProcedureComments: SEEDED_PHI.requestComment }],
      ReferencedImageSequence: k > 0 ? [{ ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2', ReferencedSOPInstanceUID: sopInstanceUids[k - 1] }] : undefined,
      StudyInstanceUID: studyInstanceUid,
      SeriesInstanceUID: seriesInstanceUid,
      StudyID: 'PHISTUDY1',
      SeriesNumber: 3,
      InstanceNumber: k + 1,
      ImagePositionPatient: [-10, -10, 2.5 * k],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      FrameOfReferenceUID: frameOfReferenceUid,
      ImageComments: SEEDED_PHI.imageComments,
      BurnedInAnnotation: k === 3 ? 'YES' : 'NO',
      SliceThickness: 2.5,
      ...CLEAN_CT,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: SIZE,
      Columns: SIZE,
      PixelSpacing: [0.7, 0.7],
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      RescaleIntercept: -1024,
      RescaleSlope: 1,
      WindowCenter: 40,
      WindowWidth: 400,
    };
    if (natural.ReferencedImageSequence === undefined) delete natural.ReferencedImageSequence;
    const pixels = new Uint8Array(SIZE * SIZE * 2);
    for (let i = 0; i < SIZE * SIZE; i++) new DataView(pixels.buffer).setInt16(i * 2, 1000 + i * 7 + k, true);
    const file = path.join(root, 'ct', `slice-${k + 1}.dcm`);
    await writeFile(file, writePart10(natural, { ...privateElements(), ...overlayAndCurve() }, syntax, { bytes: pixels, vr: 'OW' }));
    ct.push({ file, syntax, sopInstanceUid: sopInstanceUids[k] });
  }

  // The SEG over the series, by our writer, copying the patient and study modules from the images.
  const indexed = await indexPaths([path.join(root, 'ct')], { registry: new FileRegistry() });
  const series = indexed.patients[0]?.studies[0]?.series[0];
  if (!series || indexed.errors.length > 0) throw new Error(`phi-study: the CT series did not index: ${JSON.stringify(indexed.errors)}`);
  const shape = [SIZE, SIZE, CT_SYNTAXES.length] as const;
  const mask = new Uint8Array(SIZE * SIZE * CT_SYNTAXES.length);
  for (let z = 1; z < 3; z++) for (let i = 18; i < 30; i++) mask[z * SIZE * SIZE + i] = 1;
  const content: SegmentationContent = { shape, segments: [{ number: 1, label: 'Lesion', color: [200, 40, 40] }], masks: new Map([[1, mask]]) };
  const provenance: Provenance = { role: 'annotator', author: `${SEEDED_PHI.performer}^Paula`, origin: { kind: 'drawn' } };
  const segResult = encodeDicomSeg({ source: await segSourceOfSeries(series), content, provenance, versionNumber: 1, name: 'PHI lesion' });
  await mkdir(path.join(root, 'seg'), { recursive: true });
  const seg = path.join(root, 'seg', 'lesion.dcm');
  await writeFile(seg, segResult.bytes);

  // A second patient, same dates: the Modified Dates shift must differ per patient and stay per patient.
  await mkdir(path.join(root, 'second'), { recursive: true });
  const secondPatient = path.join(root, 'second', 'ct.dcm');
  const secondUids = [newUid(), newUid(), newUid(), newUid()];
  await writeFile(
    secondPatient,
    writePart10(
      {
        ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
        SOPInstanceUID: secondUids[0],
        Manufacturer: 'Vesalius fixture',
        SliceThickness: 1,
        StudyDate: SEEDED_PHI.studyDate,
        ContentDate: SEEDED_PHI.studyDate,
        StudyTime: '090000',
        ContentTime: '090100',
        Modality: 'CT',
        ...patientModule(`${SEEDED_PHI.secondPatientName}^Sam`, SEEDED_PHI.secondPatientId),
        AccessionNumber: SEEDED_PHI.accession,
        ReferringPhysicianName: `${SEEDED_PHI.referrer}^Ralph`,
        StudyInstanceUID: secondUids[1],
        SeriesInstanceUID: secondUids[2],
        FrameOfReferenceUID: secondUids[3],
        StudyID: 'PHISTUDY2',
        SeriesNumber: 1,
        InstanceNumber: 1,
        ImagePositionPatient: [0, 0, 0],
        ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
        ...CLEAN_CT,
        SamplesPerPixel: 1,
        PhotometricInterpretation: 'MONOCHROME2',
        Rows: 2,
        Columns: 2,
        PixelSpacing: [1, 1],
        BitsAllocated: 16,
        BitsStored: 16,
        HighBit: 15,
        PixelRepresentation: 0,
        RescaleIntercept: 0,
        RescaleSlope: 1,
      },
      {},
      'explicit-le',
      { bytes: new Uint8Array(8).fill(3), vr: 'OW' },
    ),
  );

  // A secondary capture without Burned In Annotation: flagged.
  await mkdir(path.join(root, 'sc'), { recursive: true });
  const secondaryCapture = path.join(root, 'sc', 'capture.dcm');
  const scUid = newUid();
  await writeFile(
    secondaryCapture,
    writePart10(
      {
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
        SOPInstanceUID: scUid,
        StudyDate: SEEDED_PHI.studyDate,
        StudyTime: '101112',
        Modality: 'OT',
        ConversionType: 'WSD',
        ...patientModule(`${SEEDED_PHI.familyName}^${SEEDED_PHI.givenName}`, SEEDED_PHI.patientId),
        AccessionNumber: SEEDED_PHI.accession,
        ReferringPhysicianName: `${SEEDED_PHI.referrer}^Ralph`,
        StudyInstanceUID: studyInstanceUid,
        SeriesInstanceUID: newUid(),
        StudyID: 'PHISTUDY1',
        SeriesNumber: 9,
        InstanceNumber: 1,
        ImageComments: SEEDED_PHI.scComment,
        Laterality: 'R',
        PatientOrientation: '',
        SamplesPerPixel: 1,
        PhotometricInterpretation: 'MONOCHROME2',
        Rows: 2,
        Columns: 2,
        BitsAllocated: 8,
        BitsStored: 8,
        HighBit: 7,
        PixelRepresentation: 0,
      },
      {},
      'explicit-le',
      { bytes: new Uint8Array([10, 20, 30, 40]), vr: 'OB' },
    ),
  );

  const notDicom = path.join(root, 'notes.txt');
  await writeFile(notDicom, `Notes about ${SEEDED_PHI.familyName}, not DICOM\n`);
  return {
    root,
    ct,
    seg,
    secondPatient,
    secondaryCapture,
    notDicom,
    studyInstanceUid,
    seriesInstanceUid,
    frameOfReferenceUid,
    instanceUids: [studyInstanceUid, seriesInstanceUid, frameOfReferenceUid, ...sopInstanceUids, segResult.sopInstanceUid, segResult.seriesInstanceUid, ...secondUids, scUid],
  };
}
