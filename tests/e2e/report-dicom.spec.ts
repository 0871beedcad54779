import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { encapsulatedDocument, readNaturalDicom, referencedSopInstanceUids } from '../../core/fixtures/dicom-read';
import { expect, hostPerFile, test } from './fixtures';
import { drawSavedLength, openSample } from './report-page';
import { ViewerPage } from './viewer-page';

const PDFTOTEXT = '/usr/bin/pdftotext';
const VESALIUS = fileURLToPath(new URL('../../bin/vesalius', import.meta.url));

/** The report's DICOM outputs and the scores' CSV, written from the app and read back in the test. */
test.describe('report and scores export', () => {
  const own = hostPerFile('report-dicom');
  test.use({ viewport: { width: 1280, height: 720 } });

  test('a draft report with a length is exported as DICOM to a typed folder: an Encapsulated PDF with the findings and an SR referencing the image', async ({ page }) => {
    const viewer = await openSample(page, own.host.url);
    await drawSavedLength(page, viewer);

    await page.getByTestId('report-toggle').click();
    const findings = 'Phantom: a length drawn for the DICOM export test.';
    await page.getByTestId('report-findings').fill(findings);
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');

    const outDir = path.join(own.work, 'dicom-out');
    await page.getByTestId('report-dicom-dir').fill(outDir);
    await page.getByTestId('report-export-dicom').click();
    await expect(page.getByTestId('report-dicom-result')).toContainText('Wrote 2 files (v');
    const files = page.getByTestId('report-dicom-files').locator('li');
    await expect(files).toHaveCount(2);
    const pdfPath = (await files.and(page.locator('[data-kind="encapsulated-pdf"]')).getAttribute('data-path'))!;
    const srPath = (await files.and(page.locator('[data-kind="sr"]')).getAttribute('data-path'))!;
    expect([path.basename(pdfPath), path.basename(srPath)]).toEqual(['report.pdf.dcm', 'measurements.sr.dcm']);

    // The measured image: the one the stored length names.
    const catalog = own.host.service.catalog;
    const [studyKey] = catalog.studies().studies.map((s) => s.studyKey);
    const series = catalog.study(studyKey)!.patient.studies[0].series;
    const listed = await own.host.service.handlers['measurements.list']({ seriesKey: series[0].seriesInstanceUid }, { transport: 'direct', caller: 'e2e' });
    if (!listed.ok) throw new Error(listed.error.message);
    const imageUid = listed.value.measurements[0].image.sopInstanceUid;

    const sr = readNaturalDicom(srPath);
    expect(sr.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.88.22');
    expect([...referencedSopInstanceUids(sr)]).toEqual([imageUid]);
    const pdf = readNaturalDicom(pdfPath);
    expect(pdf.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.104.1');
    expect(pdf.StudyInstanceUID).toBe(sr.StudyInstanceUID);
    const document = encapsulatedDocument(pdf);
    expect(document.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    if (existsSync(PDFTOTEXT)) {
      const text = execFileSync(PDFTOTEXT, ['-', '-'], { input: document }).toString('utf8').replace(/\s+/g, ' ');
      expect(text).toContain(findings);
      expect(text.toLowerCase()).toContain('draft');
    }

    // A folder that cannot be one (a file) is refused in words, naming it.
    const blocker = path.join(own.work, 'a-file');
    writeFileSync(blocker, 'x');
    await page.getByTestId('report-dicom-dir').fill(blocker);
    await page.getByTestId('report-export-dicom').click();
    await expect(page.getByTestId('report-dicom-error')).toContainText(`${blocker} is a file; give a folder`);
  });

  test('Export CSV and JSON of a dataset from the Scoring dock equal vesalius score --csv / --json', async ({ page }) => {
    const { labelPng } = (await tsImport('../../core/masks/mask-fixtures.ts', import.meta.url)) as typeof import('../../core/masks/mask-fixtures');
    const truthDir = path.join(own.work, 'truth');
    const predDir = path.join(own.work, 'pred');
    mkdirSync(truthDir);
    mkdirSync(predDir);
    writeFileSync(path.join(truthDir, 'a.png'), labelPng(2, 2, [1, 1, 0, 7]));
    writeFileSync(path.join(predDir, 'a.png'), labelPng(2, 2, [1, 0, 0, 7]));
    writeFileSync(path.join(truthDir, '=b.png'), labelPng(2, 1, [1, 0]));
    writeFileSync(path.join(predDir, '=b.png'), labelPng(2, 1, [1, 1]));

    // No study needed: the Dataset tab scores folders of mask files.
    await new ViewerPage(page).goto(own.host.url);
    await page.getByTestId('scoring-toggle').click();
    await page.getByTestId('scoring-tab-dataset').click();
    await page.getByTestId('dataset-truth').fill(truthDir);
    await page.getByTestId('dataset-pred').fill(predDir);
    await page.getByTestId('dataset-run').click();
    await expect(page.getByTestId('dataset-summary')).toContainText('2 of 2 cases scored');

    const exportTo = path.join(own.work, 'exports', 'scores');
    mkdirSync(path.dirname(exportTo));
    await page.getByTestId('dataset-score-export-path').fill(exportTo);
    await page.getByTestId('dataset-score-export-csv').click();
    await expect(page.getByTestId('dataset-score-export-result')).toHaveAttribute('data-path', `${exportTo}.csv`);
    await page.getByTestId('dataset-score-export-json').click();
    await expect(page.getByTestId('dataset-score-export-result')).toHaveAttribute('data-path', `${exportTo}.json`);

    const cliCsv = path.join(own.work, 'cli.csv');
    const stdout = execFileSync(VESALIUS, ['score', '--truth', truthDir, '--pred', predDir, '--json', '--csv', cliCsv], { encoding: 'utf8' });
    const appCsv = readFileSync(`${exportTo}.csv`);
    expect(appCsv.equals(readFileSync(cliCsv))).toBe(true);
    expect(readFileSync(`${exportTo}.json`, 'utf8')).toBe(stdout);
    // The case named like a formula is text in the file.
    expect(appCsv.toString('utf8')).toContain("\r\ncase,'=b.png,");
  });
});
