import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePart10, metaHeaderEnd } from '../../dicom/part10-writer';
import { scratchFolder } from '../../fixtures/scratch-folder';
import { DeidSession } from './deid-session';
import { DeidError, NotDicomError, deidentifyPart10, shiftDate } from './deidentify';
import { deidentifyFiles, type DeidExportReport } from './export-files';
import { BASIC_PROFILE_CODE, optionCodes, type DeidOption } from './method-codes';
import { SEEDED_PHI, writePhiStudy, type PhiStudy } from './phi-study.fixtures';
import { hasDciodvfy, dciodvfyErrors } from '../../fixtures/dciodvfy';

const require = createRequire(import.meta.url);
interface DcmjsRead {
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer): { dict: Record<string, unknown>; meta: Record<string, unknown> } };
    DicomMetaDictionary: { naturalizeDataset(dict: Record<string, unknown>): Record<string, any> };
  };
}
const dcmjs = require('dcmjs') as DcmjsRead;

const PYTHON = '/usr/bin/python3';
const hasPydicom = spawnSync(PYTHON, ['-c', 'import pydicom'], { stdio: 'ignore' }).status === 0;
if (!hasDciodvfy) console.warn('deidentify: dciodvfy (Debian dicom3tools) is not installed; the validator comparison is skipped');
if (!hasPydicom) console.warn('deidentify: /usr/bin/python3 with pydicom is not available; the pydicom read-back is skipped');

const scratch = scratchFolder('deid');

/** The file as dcmjs reads it, naturalised (meta and data set). */
function readNatural(file: string): { meta: Record<string, any>; ds: Record<string, any> } {
  const bytes = readFileSync(file);
  const message = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return { meta: dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.meta), ds: dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict) };
}

/** The file's bytes as stored, plus its data set inflated when the syntax is deflated (so a search sees every value). */
function searchableBytes(file: string): Buffer[] {
  const bytes = readFileSync(file);
  if (!bytes.includes(Buffer.from('1.2.840.10008.1.2.1.99'))) return [bytes];
  return [bytes, inflateRawSync(bytes.subarray(metaHeaderEnd(bytes)))];
}

const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/**
 * A deflated file as the same Part 10 file in explicit VR little endian (its data set inflated, the
 * meta's transfer syntax and group length rewritten): dciodvfy cannot read the deflated syntax, and how
 * it fails depends on the compressed bytes, so random UIDs made its error lines differ from run to run.
 */
function inflatedCopy(file: string, into: string): string {
  const bytes = readFileSync(file);
  const end = metaHeaderEnd(bytes);
  const elements: Buffer[] = [];
  for (let at = 144; at < end; ) {
    const element = bytes.readUInt16LE(at + 2);
    const vr = bytes.toString('latin1', at + 4, at + 6);
    const long = ['OB', 'OW', 'UN', 'SQ', 'UT', 'UC', 'UR'].includes(vr);
    const length = long ? bytes.readUInt32LE(at + 8) : bytes.readUInt16LE(at + 6);
    const next = at + (long ? 12 : 8) + length;
    if (element === 0x0010) {
      const value = Buffer.from(`${EXPLICIT_LE}\0`, 'latin1');
      const header = Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49, value.length, 0]);
      elements.push(header, value);
    } else elements.push(bytes.subarray(at, next));
    at = next;
  }
  const meta = Buffer.concat(elements);
  const groupLength = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x55, 0x4c, 4, 0, 0, 0, 0, 0]);
  groupLength.writeUInt32LE(meta.length, 8);
  writeFileSync(into, Buffer.concat([bytes.subarray(0, 132), groupLength, meta, inflateRawSync(bytes.subarray(end))]));
  return into;
}

const outputOf = (report: DeidExportReport, source: string): string => {
  const entry = report.files.find((f) => f.source === source);
  if (!entry) throw new Error(`no output for ${source}: ${JSON.stringify(report.failed)}`);
  return entry.output;
};

async function exportStudy(study: PhiStudy, name: string, options: DeidOption[]): Promise<DeidExportReport> {
  return deidentifyFiles([study.root], path.join(scratch.path, name), options);
}

describe('de-identified export of a study seeded with identifying data', () => {
  let study: PhiStudy;
  let basic: DeidExportReport;

  beforeAll(async () => {
    study = await writePhiStudy(path.join(scratch.path, 'study'));
    basic = await exportStudy(study, 'basic', []);
  });

  it('the seeds are really in the inputs (else the leak test proves nothing)', () => {
    const inputs = [...study.ct.map((c) => c.file), study.seg, study.secondPatient, study.secondaryCapture].flatMap(searchableBytes);
    for (const seed of [...Object.values(SEEDED_PHI).filter((s) => s !== SEEDED_PHI.scComment && s !== SEEDED_PHI.secondPatientId && s !== SEEDED_PHI.secondPatientName), ...study.instanceUids]) {
      expect(inputs.some((bytes) => bytes.includes(Buffer.from(seed, 'latin1'))), seed).toBe(true);
    }
  });

  it('writes one output per DICOM file at the same relative path and skips the file that is not DICOM', () => {
    expect(basic.failed).toEqual([]);
    expect(basic.files.map((f) => path.relative(basic.outDir, f.output)).sort()).toEqual(
      ['ct/slice-1.dcm', 'ct/slice-2.dcm', 'ct/slice-3.dcm', 'ct/slice-4.dcm', 'sc/capture.dcm', 'second/ct.dcm', 'seg/lesion.dcm'].map((p) => path.join(...p.split('/'))),
    );
    expect(basic.skipped).toEqual([{ source: study.notDicom, reason: expect.stringContaining('not a DICOM Part 10 file') }]);
  });

  it('leaves no seeded byte string and no source instance UID in any output file (raw bytes, deflated data inflated)', () => {
    for (const report of [basic]) {
      for (const file of report.files) {
        const haystacks = searchableBytes(file.output);
        for (const seed of [...Object.values(SEEDED_PHI), ...study.instanceUids]) {
          for (const bytes of haystacks) expect(bytes.includes(Buffer.from(seed, 'latin1')), `${seed} in ${file.output}`).toBe(false);
        }
      }
    }
  });

  it('keeps the series one series and the study one study, with new UIDs, the transfer syntax and the pixel data byte for byte', () => {
    const outputs = study.ct.map((c) => readNatural(outputOf(basic, c.file)));
    const inputs = study.ct.map((c) => readNatural(c.file));
    const series = new Set(outputs.map((o) => o.ds.SeriesInstanceUID));
    expect(series.size).toBe(1);
    expect([...series][0]).not.toBe(study.seriesInstanceUid);
    expect([...series][0]).toMatch(/^2\.25\.\d+$/);
    expect(new Set(outputs.map((o) => o.ds.StudyInstanceUID)).size).toBe(1);
    expect(new Set(outputs.map((o) => o.ds.FrameOfReferenceUID)).size).toBe(1);
    expect(new Set(outputs.map((o) => o.ds.SOPInstanceUID)).size).toBe(outputs.length);
    const sc = readNatural(outputOf(basic, study.secondaryCapture));
    expect(sc.ds.StudyInstanceUID).toBe(outputs[0].ds.StudyInstanceUID);
    outputs.forEach((out, k) => {
      expect(out.meta.TransferSyntaxUID).toBe(inputs[k].meta.TransferSyntaxUID);
      expect(out.meta.MediaStorageSOPInstanceUID).toBe(out.ds.SOPInstanceUID);
      expect(Buffer.from(out.ds.PixelData[0]).equals(Buffer.from(inputs[k].ds.PixelData[0]))).toBe(true);
      // A reference inside a sequence points at the new UID of the image it named.
      if (k > 0) expect(out.ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID).toBe(outputs[k - 1].ds.SOPInstanceUID);
      const deep = out.ds.ProcedureCodeSequence[0].ConceptNameCodeSequence[0].ContentSequence[0].ReferencedImageSequence[0];
      expect(deep.ReferencedSOPInstanceUID).toBe(outputs[0].ds.SOPInstanceUID);
      expect(deep.VerifyingObserverName).toEqual([{ Alphabetic: 'ANONYMIZED^' }]);
    });
  });

  it("resolves the SEG's references to the new image UIDs", () => {
    const images = study.ct.map((c) => readNatural(outputOf(basic, c.file)).ds);
    const seg = readNatural(outputOf(basic, study.seg)).ds;
    const imageUids = new Set(images.map((i) => i.SOPInstanceUID));
    expect(seg.StudyInstanceUID).toBe(images[0].StudyInstanceUID);
    expect(seg.FrameOfReferenceUID).toBe(images[0].FrameOfReferenceUID);
    expect(seg.ReferencedSeriesSequence[0].SeriesInstanceUID).toBe(images[0].SeriesInstanceUID);
    const referenced = seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence.map((r: { ReferencedSOPInstanceUID: string }) => r.ReferencedSOPInstanceUID);
    expect(referenced.length).toBeGreaterThan(0);
    for (const uid of referenced) expect(imageUids.has(uid)).toBe(true);
    const frames = Array.isArray(seg.PerFrameFunctionalGroupsSequence) ? seg.PerFrameFunctionalGroupsSequence : [seg.PerFrameFunctionalGroupsSequence];
    for (const frame of frames) {
      const source = frame.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID;
      expect(imageUids.has(source)).toBe(true);
    }
  });

  it('adds Patient Identity Removed, the method and its CID 7050 codes; removes private groups, overlays and curves; flags burned-in text', () => {
    const out = readNatural(outputOf(basic, study.ct[0].file)).ds;
    expect(out.PatientIdentityRemoved).toBe('YES');
    expect(out.LongitudinalTemporalInformationModified).toBe('REMOVED');
    expect(out.DeidentificationMethodCodeSequence.map((c: { CodeValue: string; CodingSchemeDesignator: string }) => `${c.CodingSchemeDesignator}:${c.CodeValue}`)).toEqual(['DCM:113100']);
    expect(out.PatientName).toEqual([{ Alphabetic: 'ANON0001^' }]);
    expect(out.PatientID).toBe('ANON0001');
    expect(out.StudyDate).toBe('');
    expect(out.InstitutionName).toBe('ANONYMIZED');
    expect(out.RequestAttributesSequence).toBeUndefined();
    const bytes = readFileSync(outputOf(basic, study.ct[0].file));
    const tagBytes = (group: number, element: number): Buffer => Buffer.from([group & 0xff, group >> 8, element & 0xff, element >> 8]);
    for (const [group, element] of [[0x0009, 0x0010], [0x0009, 0x1001], [0x0043, 0x1027], [0x6000, 0x3000], [0x6000, 0x0010], [0x5000, 0x3000]]) {
      expect(bytes.includes(tagBytes(group, element)), `(${group.toString(16)},${element.toString(16)})`).toBe(false);
    }
    const flagged = Object.fromEntries(basic.files.map((f) => [path.relative(basic.outDir, f.output), f.flags.map((x) => x.code)]));
    expect(flagged[path.join('ct', 'slice-4.dcm')]).toEqual(['burned-in-annotation']);
    expect(flagged[path.join('sc', 'capture.dcm')]).toEqual(['possible-burned-in-annotation']);
    expect(flagged[path.join('ct', 'slice-1.dcm')]).toEqual([]);
  });

  it.skipIf(!hasPydicom)('outputs parse with pydicom, every value decoded', () => {
    const script = 'import sys, pydicom\nfor f in sys.argv[1:]:\n    ds = pydicom.dcmread(f)\n    str(ds)\n    print(ds.SeriesInstanceUID)\n';
    const run = spawnSync(PYTHON, ['-c', script, ...basic.files.map((f) => f.output)], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(basic.files.length);
  });

  it.skipIf(!hasDciodvfy)('outputs pass dciodvfy without errors, as the generated inputs do (deflated ones checked inflated)', () => {
    for (const file of basic.files) {
      // dciodvfy cannot read the deflated syntax: such a file is checked as its inflated copy (input and output).
      const deflated = file.transferSyntaxUid === DEFLATED_LE;
      const checked = (f: string, name: string): string => (deflated ? inflatedCopy(f, path.join(scratch.path, `inflated-${name}-${path.basename(f)}`)) : f);
      expect(dciodvfyErrors(checked(file.source, 'in')), file.source).toEqual([]);
      expect(dciodvfyErrors(checked(file.output, 'out')), file.output).toEqual([]);
    }
  });

  it('Modified Dates: every date of a patient moves by the same whole number of days; times stay', async () => {
    const report = await exportStudy(study, 'modified', ['modified-dates']);
    const daysBetween = (a: string, b: string): number =>
      (Date.UTC(+b.slice(0, 4), +b.slice(4, 6) - 1, +b.slice(6, 8)) - Date.UTC(+a.slice(0, 4), +a.slice(4, 6) - 1, +a.slice(6, 8))) / 86_400_000;
    const shifts = new Set<number>();
    for (const c of study.ct) {
      const out = readNatural(outputOf(report, c.file)).ds;
      for (const key of ['StudyDate', 'SeriesDate', 'AcquisitionDate', 'ContentDate', 'InstanceCreationDate']) shifts.add(daysBetween(SEEDED_PHI.studyDate, out[key]));
      expect(out.ContentTime).toBe(SEEDED_PHI.contentTime);
      expect(out.LongitudinalTemporalInformationModified).toBe('MODIFIED');
      expect(out.PatientBirthDate).toBe('');
      const deep = out.ProcedureCodeSequence[0].ConceptNameCodeSequence[0].ContentSequence[0].ReferencedImageSequence[0];
      shifts.add(daysBetween(SEEDED_PHI.deepDate, deep.StudyDate));
      expect(deep.ObservationDateTime.slice(8)).toBe('120000');
    }
    const seg = readNatural(outputOf(report, study.seg)).ds;
    shifts.add(daysBetween(SEEDED_PHI.studyDate, seg.StudyDate));
    expect(shifts.size).toBe(1);
    const [shift] = [...shifts];
    expect(shift).toBeLessThanOrEqual(-365);
    const second = readNatural(outputOf(report, study.secondPatient)).ds;
    expect(daysBetween(SEEDED_PHI.studyDate, second.StudyDate)).toBe(daysBetween(SEEDED_PHI.studyDate, second.ContentDate));
    expect(second.PatientID).toBe('ANON0002');
    expect(readNatural(outputOf(report, study.ct[0].file)).ds.DeidentificationMethodCodeSequence.map((c: { CodeValue: string }) => c.CodeValue)).toEqual(['113100', '113107']);
    for (const file of report.files) {
      for (const bytes of searchableBytes(file.output)) expect(bytes.includes(Buffer.from(SEEDED_PHI.studyDate)), file.output).toBe(false);
    }
  });

  it('Retain Safe Private keeps the listed GE attribute with its creator and nothing else private; Retain UIDs keeps the UIDs', async () => {
    const report = await exportStudy(study, 'private-uids', ['retain-safe-private', 'retain-uids']);
    const out = readNatural(outputOf(report, study.ct[0].file));
    const bytes = readFileSync(outputOf(report, study.ct[0].file));
    expect(bytes.includes(Buffer.from('GEMS_PARM_01'))).toBe(true);
    expect(bytes.includes(Buffer.from('1.375:1'))).toBe(true);
    for (const seed of [SEEDED_PHI.unsafeGe, SEEDED_PHI.privateCreator, SEEDED_PHI.privateValue, SEEDED_PHI.privateNestedName]) expect(bytes.includes(Buffer.from(seed)), seed).toBe(false);
    expect(out.ds.SOPInstanceUID).toBe(study.ct[0].sopInstanceUid);
    expect(out.ds.SeriesInstanceUID).toBe(study.seriesInstanceUid);
    expect(out.meta.MediaStorageSOPInstanceUID).toBe(study.ct[0].sopInstanceUid);
  });

  it('Retain Device Identity and Patient Characteristics keep what their columns say', async () => {
    const report = await exportStudy(study, 'device-patient', ['retain-device-identity', 'retain-patient-characteristics']);
    const out = readNatural(outputOf(report, study.ct[0].file)).ds;
    expect(out.DeviceSerialNumber).toBe(SEEDED_PHI.deviceSerial);
    expect(out.StationName).toBe(SEEDED_PHI.stationName);
    expect(out.PatientSex).toBe('F');
    expect(out.PatientAge).toBe('079Y');
    expect(out.PatientWeight).toBe(61.5);
    expect(out.PatientName).toEqual([{ Alphabetic: 'ANON0001^' }]);
  });

  // Each option alone: exactly the seeds of the class it retains survive anywhere in any output; every
  // other seed (names, IDs, other classes) is gone. Times survive the date options (they are kept, only
  // dates move or stay); Clean Descriptors keeps descriptions and comments, with every identifying value
  // of the export cut out (a comment naming another patient of the export loses that name too).
  const retained: Record<DeidOption, (keyof typeof SEEDED_PHI)[]> = {
    'retain-safe-private': [],
    'retain-uids': [],
    'retain-device-identity': ['stationName', 'deviceSerial'],
    'retain-institution-identity': ['institution', 'institutionAddress', 'department', 'deepInstitution'],
    'retain-patient-characteristics': [],
    'retain-full-dates': ['studyDate', 'contentTime', 'deepDate'],
    'modified-dates': ['contentTime'],
    'clean-descriptions': ['studyDescription', 'seriesDescription', 'protocol', 'imageComments', 'requestComment', 'scComment'],
  };
  it.each(Object.keys(retained) as DeidOption[])('%s alone: only the seeds of its class survive, and its CID 7050 code is written', async (option) => {
    const report = await exportStudy(study, `only-${option}`, [option]);
    expect(report.failed).toEqual([]);
    const surviving = new Set<string>();
    for (const file of report.files) {
      const haystacks = searchableBytes(file.output);
      for (const [name, seed] of Object.entries(SEEDED_PHI)) if (haystacks.some((bytes) => bytes.includes(Buffer.from(seed, 'latin1')))) surviving.add(name);
    }
    expect([...surviving].sort()).toEqual([...retained[option]].sort());
    const out = readNatural(outputOf(report, study.ct[0].file)).ds;
    expect(out.DeidentificationMethodCodeSequence.map((c: { CodeValue: string }) => c.CodeValue)).toEqual(['113100', optionCodes[option].value]);
    expect(out.DeidentificationMethod).toEqual(['Vesalius deidentify', BASIC_PROFILE_CODE.meaning, optionCodes[option].meaning]);
    if (option === 'retain-full-dates') {
      expect(out.LongitudinalTemporalInformationModified).toBe('UNMODIFIED');
      expect([out.StudyDate, out.SeriesDate, out.ContentDate, out.ContentTime]).toEqual([SEEDED_PHI.studyDate, SEEDED_PHI.studyDate, SEEDED_PHI.studyDate, SEEDED_PHI.contentTime]);
      expect(out.PatientBirthDate).toBe(''); // not a date of the study: the Basic Profile's Z, with or without the option
    }
    if (option === 'retain-institution-identity') {
      expect([out.InstitutionName, out.InstitutionAddress, out.InstitutionalDepartmentName]).toEqual([SEEDED_PHI.institution, SEEDED_PHI.institutionAddress, SEEDED_PHI.department]);
      expect(out.ReferringPhysicianName).toEqual([]); // emptied: the institution's people are not its identity
    }
    if (option === 'clean-descriptions') {
      const second = readNatural(outputOf(report, study.secondPatient)).ds;
      expect(second.PatientComments).toBe('prefers mornings');
    }
    if (hasDciodvfy && (option === 'retain-full-dates' || option === 'retain-institution-identity')) {
      for (const file of report.files.filter((f) => f.transferSyntaxUid !== DEFLATED_LE)) expect(dciodvfyErrors(file.output), file.output).toEqual([]);
    }
  });

  it('refuses Retain Full Dates together with Modified Dates', () => {
    expect(() => new DeidSession(['retain-full-dates', 'modified-dates'])).toThrow('de-identification: the options retain-full-dates and modified-dates exclude each other (dates are either kept as they are or shifted)');
  });
});

describe('deidentifyPart10 on single files', () => {
  const ct = (extra: Record<string, unknown>): Buffer =>
    encodePart10(
      { SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', SOPInstanceUID: '1.2.3.4.5', StudyInstanceUID: '1.2.3.4', SeriesInstanceUID: '1.2.3.4.6', PatientName: 'Doe^Jane', PatientID: 'MRN77', Modality: 'CT', ...extra },
      '1.2.840.10008.1.2.1',
    );

  it('Clean Descriptors keeps a description with the names and IDs of the file cut out', () => {
    const session = new DeidSession(['clean-descriptions']);
    const result = deidentifyPart10(ct({ StudyDescription: 'CT chest Doe Jane MRN77 follow-up', ImageComments: 'for Jane' }), session);
    const text = result.bytes.toString('latin1');
    expect(text).toContain('CT chest follow-up');
    expect(text).not.toContain('Jane');
    expect(text).not.toContain('MRN77');
    expect(result.actions.cleaned).toBe(2);
  });

  it('keeps a type 1 reference sequence under X/Z/D with its UIDs mapped, gives a D code sequence a dummy code, empties a Z sequence', () => {
    const session = new DeidSession();
    const result = deidentifyPart10(
      ct({
        ReferencedPerformedProcedureStepSequence: [{ ReferencedSOPClassUID: '1.2.840.10008.3.1.2.3.3', ReferencedSOPInstanceUID: '1.2.3.99' }],
        InstitutionCodeSequence: [{ CodeValue: 'MERCY1', CodingSchemeDesignator: '99LOCAL', CodeMeaning: 'Mercy General' }],
        ReferencedStudySequence: [{ ReferencedSOPClassUID: '1.2.840.10008.3.1.2.3.1', ReferencedSOPInstanceUID: '1.2.3.98' }],
      }),
      session,
    );
    const file = path.join(scratch.path, 'sequences.dcm');
    writeFileSync(file, result.bytes);
    const out = readNatural(file).ds;
    expect(out.ReferencedPerformedProcedureStepSequence[0].ReferencedSOPInstanceUID).toBe(session.uidFor('1.2.3.99'));
    expect(out.InstitutionCodeSequence).toEqual([expect.objectContaining({ CodeValue: 'ANONYMIZED', CodingSchemeDesignator: '99VESALIUS', CodeMeaning: 'ANONYMIZED' })]);
    expect(out.ReferencedStudySequence ?? []).toEqual([]);
    expect(result.bytes.includes(Buffer.from('Mercy'))).toBe(false);
  });

  it('Modified Dates gives the non-date attributes of its column (Timezone Offset From UTC) the dummy, not the source value', () => {
    const result = deidentifyPart10(ct({ TimezoneOffsetFromUTC: '+0930', StudyDate: '20200102' }), new DeidSession(['modified-dates']));
    const text = result.bytes.toString('latin1');
    expect(text).not.toContain('+0930');
    expect(text).not.toContain('20200102');
    expect(result.actions.datesShifted).toBe(1);
  });

  it('maps the same source UID to the same new UID in every file of a session, and to another in another session', () => {
    const session = new DeidSession();
    const a = deidentifyPart10(ct({}), session);
    const b = deidentifyPart10(ct({ SOPInstanceUID: '1.2.3.4.7' }), session);
    const other = deidentifyPart10(ct({}), new DeidSession());
    const series = (r: { bytes: Buffer }): string => /2\.25\.\d+/g.exec(r.bytes.toString('latin1').split('1.2.840.10008.1.2.1')[1] ?? '')?.[0] ?? '';
    expect(a.sopInstanceUid).not.toBe(b.sopInstanceUid);
    expect(a.sopInstanceUid).not.toBe(other.sopInstanceUid);
    expect(series(a)).toBe(series(b));
    expect(session.uidCount).toBe(4);
  });

  it('says why a file is not DICOM, and where a damaged one breaks', () => {
    expect(() => deidentifyPart10(Buffer.from('hello'), new DeidSession())).toThrow(NotDicomError);
    const whole = ct({});
    const cut = whole.subarray(0, whole.length - 20);
    expect(() => deidentifyPart10(cut, new DeidSession())).toThrow(DeidError);
    expect(() => deidentifyPart10(cut, new DeidSession())).toThrow(/element \(0020,000[DE]\) declares \d+ bytes but only \d+ remain \(at byte \d+\)/);
  });

  it('shifts DA and DT by whole days, keeps TM, replaces unreadable dates with the dummy', () => {
    expect(shiftDate('20240301', 'DA', -1)).toBe('20240229');
    expect(shiftDate('20240301101500.5+0100', 'DT', -366)).toBe('20230301101500.5+0100');
    expect(shiftDate('101500', 'TM', -10)).toBe('101500');
    expect(shiftDate('2024', 'DA', -1)).toBe('19000101');
  });
});
