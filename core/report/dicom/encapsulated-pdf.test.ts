import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import dicomParser from 'dicom-parser';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchFolder } from '../../fixtures/scratch-folder';
import { IMPLEMENTATION_VERSION_NAME, VESALIUS_VERSION } from '../../dicom/writer-identity';
import { SegWriteError } from '../../masks/seg-writer-error';
import { ReaderSandbox } from '../../sandbox/reader-sandbox';
import { writeReportStudy } from './dicom-outputs.fixtures';
import { EncapsulatedPdfError, encodeEncapsulatedPdf, ENCAPSULATED_PDF_STORAGE } from './encapsulated-pdf';
import { hasDciodvfy, dciodvfyErrors } from '../../fixtures/dciodvfy';

const PYTHON = '/usr/bin/python3';
const hasPydicom = spawnSync(PYTHON, ['-c', 'import pydicom'], { stdio: 'ignore' }).status === 0;
if (!hasDciodvfy) console.warn('encapsulated-pdf: dciodvfy (Debian dicom3tools) is not installed; the validator check is skipped');
if (!hasPydicom) console.warn('encapsulated-pdf: /usr/bin/python3 with pydicom is not available; the pydicom read-back is skipped');

const scratch = scratchFolder('encapsulated-pdf');

/** A one-page PDF with a line of text, of odd or even length (a newline after %%EOF adds one byte). */
async function samplePdf(oddLength: boolean): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([300, 200]).drawText('Findings: none.', { font: await doc.embedFont(StandardFonts.Helvetica), x: 20, y: 150 });
  const bytes = await doc.save();
  if ((bytes.byteLength % 2 === 1) === oddLength) return bytes;
  return Buffer.concat([bytes, Buffer.from('\n')]);
}

describe('Encapsulated PDF', () => {
  const sandbox = new ReaderSandbox({ size: 1 });
  afterAll(() => sandbox.close());
  for (const oddLength of [true, false]) {
    it(`files the report PDF (${oddLength ? 'odd' : 'even'} length) in the study: dciodvfy clean, pydicom gives back the same bytes and the study's patient`, async () => {
      const study = await writeReportStudy(scratch.path + `/${oddLength}`, (name, bytes) => scratch.write(`${oddLength}-${name}`, bytes));
      const pdf = await samplePdf(oddLength);
      // The patient and study read from one image on a reader thread, as an export reads them.
      const patientStudy = await sandbox.patientStudy(study.series.instances[0].path);
      expect(patientStudy).toEqual(study.source.patientStudy);
      const written = encodeEncapsulatedPdf({ pdf, patientStudy, title: 'Imaging report — Lésion', showsPatientIdentity: true });
      const file = await scratch.write(`${oddLength}-report.dcm`, written.bytes);
      if (hasDciodvfy) expect(dciodvfyErrors(file)).toEqual([]);
      if (!hasPydicom) return;
      const script = `
import sys, json, hashlib, pydicom
ds = pydicom.dcmread(sys.argv[1])
doc = bytes(ds.EncapsulatedDocument)[:int(ds.EncapsulatedDocumentLength)]
print(json.dumps({'sha': hashlib.sha256(doc).hexdigest(), 'rawLength': len(ds.EncapsulatedDocument), 'sopClass': ds.SOPClassUID, 'modality': ds.Modality,
  'mime': ds.MIMETypeOfEncapsulatedDocument, 'title': ds.DocumentTitle, 'burnedIn': ds.BurnedInAnnotation, 'concept': ds.ConceptNameCodeSequence[0].CodeValue,
  'patient': str(ds.PatientName), 'study': ds.StudyInstanceUID, 'series': ds.SeriesInstanceUID, 'version': ds.file_meta.ImplementationVersionName, 'software': ds.SoftwareVersions}))
`;
      const read = JSON.parse(execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' })) as Record<string, unknown>;
      expect(read).toEqual({
        sha: createHash('sha256').update(pdf).digest('hex'),
        rawLength: pdf.byteLength + (pdf.byteLength % 2),
        sopClass: ENCAPSULATED_PDF_STORAGE,
        modality: 'DOC',
        mime: 'application/pdf',
        title: 'Imaging report — Lésion',
        burnedIn: 'YES',
        concept: '18748-4',
        patient: 'Segment^Tester',
        study: study.source.patientStudy.StudyInstanceUID,
        series: written.seriesInstanceUid,
        version: IMPLEMENTATION_VERSION_NAME,
        software: VESALIUS_VERSION,
      });
      expect(written.seriesInstanceUid).not.toBe(study.series.seriesInstanceUid);
    });
  }

  it('an image the reader thread cannot open is refused as SegWriteError naming it', async () => {
    const missing = `${scratch.path}/no-such-image.dcm`;
    await expect(sandbox.patientStudy(missing)).rejects.toThrow(SegWriteError);
    await expect(sandbox.patientStudy(missing)).rejects.toThrow(new RegExp(`^source image ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot open`));
  });

  it('says NO burned-in annotation for a PDF without identifiers, and refuses bytes that are not a PDF', async () => {
    const pdf = await samplePdf(false);
    const patientStudy = { StudyInstanceUID: '1.2.3' };
    const written = encodeEncapsulatedPdf({ pdf, patientStudy, title: 'x', showsPatientIdentity: false });
    expect(dicomParser.parseDicom(written.bytes).string('x00280301')).toBe('NO');
    expect(() => encodeEncapsulatedPdf({ pdf: Buffer.from('<html>'), patientStudy, title: 'x', showsPatientIdentity: true })).toThrow(EncapsulatedPdfError);
    expect(() => encodeEncapsulatedPdf({ pdf: Buffer.from('<html>'), patientStudy, title: 'x', showsPatientIdentity: true })).toThrow('the report bytes do not start with %PDF- (they start with "<html"), so they are not a PDF');
    expect(() => encodeEncapsulatedPdf({ pdf, patientStudy: {}, title: 'x', showsPatientIdentity: true })).toThrow('the study has no StudyInstanceUID to file the report PDF under');
  });
});
