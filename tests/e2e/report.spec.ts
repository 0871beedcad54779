import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MODEL_NAME } from '../../core/model/config';
import { expect, ownHostPerTest, test } from './fixtures';
import { drawSavedLength, dropReportSavesWhenHeld, openSample, reopenReport } from './report-page';
import { ViewerPage } from './viewer-page';

const PDFTOTEXT = '/usr/bin/pdftotext';
const PDFIMAGES = '/usr/bin/pdfimages';

/** The radiologist's report in the app: write, insert the AI caption, confirm it, key image, sign, PDF; reload → signed and locked. */
test.describe('report dock', () => {
  const own = ownHostPerTest('report');
  // The smallest screen the app is made for: the dock takes its width from the viewport.
  test.use({ viewport: { width: 1280, height: 720 } });

  test('a report written on the phantom, with the confirmed AI caption and a key image, is signed, exported as PDF and comes back locked', async ({ page }) => {
    // The bundled model describes the slice on two shared cores: the caption alone may take a minute.
    test.setTimeout(300_000);
    const viewer = await openSample(page, own.host.url);

    await drawSavedLength(page, viewer);

    // The assistant describes the slice.
    await page.getByTestId('assistant-toggle').click();
    await page.getByTestId('assistant-caption').click();
    await expect(page.getByTestId('assistant-answer')).toHaveCount(1, { timeout: 120_000 });
    const captionText = ((await page.getByTestId('assistant-answer-text').first().textContent()) ?? '').trim();
    expect(captionText).not.toBe('');

    // Shift+R (the report.open command) opens the Report dock in place of the Assistant.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Shift+R');
    const panel = page.getByTestId('report-panel');
    await expect(panel).toBeVisible();
    await expect(page.getByTestId('assistant-panel')).toHaveCount(0);
    const saveState = page.getByTestId('report-save-state');

    const findings = 'Phantom chest: both lungs aerated, no focal lesion. Reported by the e2e test.';
    await page.getByTestId('report-findings').fill(findings);
    await page.getByTestId('report-impression').fill('No abnormality in the phantom.');
    await expect(saveState).toHaveAttribute('data-state', 'saved');

    // The caption goes in as an AI draft, badged with the model, until confirmed.
    await page.getByTestId('report-insert-answer').click();
    const aiItem = page.getByTestId('report-ai-item');
    await expect(aiItem).toHaveCount(1);
    await expect(aiItem).toHaveAttribute('data-status', 'ai-draft');
    await expect(aiItem.getByTestId('report-ai-badge')).toContainText(`AI draft — not a diagnosis (model ${DEFAULT_MODEL_NAME}`);
    await expect(aiItem.getByTestId('report-ai-text')).toHaveValue(captionText);
    await expect(page.getByTestId('report-insert-answer')).toHaveCount(0);
    await expect(saveState).toHaveAttribute('data-state', 'saved');
    await aiItem.getByTestId('report-ai-confirm').click();
    await expect(aiItem).toHaveAttribute('data-status', 'confirmed');
    await expect(aiItem.getByTestId('report-ai-badge')).toHaveCount(0);
    await expect(aiItem.getByTestId('report-ai-review')).toContainText('Confirmed by');

    // The key image is the viewport as shown: a PNG of its size, with the image's SOP instance and frame.
    await page.getByTestId('report-add-key-image').click();
    const keyImage = page.getByTestId('report-key-image');
    await expect(keyImage).toHaveCount(1);
    await expect(keyImage).toHaveAttribute('data-sop', /^[0-9.]+$/);
    await expect(keyImage).toHaveAttribute('data-frame', '1');
    const thumb = await keyImage.locator('img').evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let lit = 0;
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i] + data[i + 1] + data[i + 2] > 60) lit++;
        // The phantom is grey (r = g = b); the length annotation is drawn in colour (green, yellow) over it.
        if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 80) coloured++;
      }
      return { width: img.naturalWidth, height: img.naturalHeight, litFraction: lit / (data.length / 4), coloured };
    });
    const box = (await viewer.viewport.boundingBox())!;
    expect(Math.abs(thumb.width - box.width)).toBeLessThanOrEqual(2);
    expect(Math.abs(thumb.height - box.height)).toBeLessThanOrEqual(2);
    // The phantom's body is bright on a black background: the capture is the image, not a blank canvas.
    expect(thumb.litFraction).toBeGreaterThan(0.05);
    // …with the measurement drawn on it (cornerstone's SVG layer composited over the canvas).
    expect(thumb.coloured).toBeGreaterThan(20);
    await expect(saveState).toHaveAttribute('data-state', 'saved');
    await expect(page.getByTestId('report-references')).toContainText('1 measurement and 0 segmentations');

    // Signing locks it.
    const signer = 'Dr. Ada Reader';
    await page.getByTestId('report-signer').fill(signer);
    await page.getByTestId('report-sign').click();
    await expect(page.getByTestId('report-signature')).toContainText(`Signed by ${signer} at `);
    await expect(page.getByTestId('report-findings')).toHaveAttribute('readonly', '');
    await expect(page.getByTestId('report-sign')).toHaveCount(0);
    await expect(page.getByTestId('report-error')).toHaveCount(0);

    // PDF to a typed path (browser mode has no picker).
    // A folder that does not exist: the error says so in words, naming the path.
    const missing = path.join(own.work, 'no-such-folder', 'report.pdf');
    await page.getByTestId('report-pdf-path').fill(missing);
    await page.getByTestId('report-export').click();
    await expect(page.getByTestId('report-export-error')).toContainText(missing);
    await expect(page.getByTestId('report-export-result')).toHaveCount(0);

    const pdfPath = path.join(own.work, 'phantom-report.pdf');
    await page.getByTestId('report-pdf-path').fill(pdfPath);
    await page.getByTestId('report-export').click();
    const result = page.getByTestId('report-export-result');
    await expect(result).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('report-export-error')).toHaveCount(0);
    await expect(result).toHaveAttribute('data-path', pdfPath);
    const bytes = await readFile(pdfPath);
    expect(Number(await result.getAttribute('data-bytes'))).toBe(bytes.length);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await expect(result).toContainText(`${bytes.length.toLocaleString('en')} bytes`);
    if (existsSync(PDFTOTEXT)) {
      const text = execFileSync(PDFTOTEXT, ['-layout', pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      expect(text).toContain('both lungs aerated, no focal lesion');
      expect(text).toContain(signer);
      expect(text).toContain(captionText.replace(/\s+/g, ' '));
    } else test.info().annotations.push({ type: 'note', description: `${PDFTOTEXT} is missing: the PDF's text was not checked` });
    if (existsSync(PDFIMAGES)) {
      const images = execFileSync(PDFIMAGES, ['-list', pdfPath], { encoding: 'utf8' }).trim().split('\n').slice(2);
      expect(images.length).toBeGreaterThanOrEqual(1);
    }

    // After a reload the report is there, signed and locked.
    await page.reload();
    await page.getByTestId('study-item').click();
    await viewer.waitForRender(0);
    const beforeDock = (await viewer.viewport.getAttribute('data-rendered-at')) ?? '';
    await page.getByTestId('report-toggle').click();
    // The viewport gives the dock its width and draws the image again at its new size.
    await viewer.waitForRenderAfter(beforeDock);
    await expect(page.getByTestId('report-signature')).toContainText(`Signed by ${signer} at `);
    await expect(page.getByTestId('report-findings')).toHaveValue(findings);
    await expect(page.getByTestId('report-findings')).toHaveAttribute('readonly', '');
    await expect(page.getByTestId('report-impression')).toHaveAttribute('readonly', '');
    await expect(page.getByTestId('report-sign')).toHaveCount(0);
    await expect(page.getByTestId('report-add-key-image')).toHaveCount(0);
    await expect(page.getByTestId('report-ai-item')).toHaveAttribute('data-status', 'confirmed');
    await expect(page.getByTestId('report-key-image')).toHaveCount(1);
    await page.screenshot({ path: test.info().outputPath('signed-report.png') });

    // An amendment opens a new draft; the signed version stays readable, superseded.
    await page.getByTestId('report-amend-reason').fill('add the impression detail');
    await page.getByTestId('report-amend').click();
    await expect(page.getByTestId('report-signature')).toHaveCount(0);
    await expect(page.getByTestId('report-findings')).not.toHaveAttribute('readonly');
    await page.getByTestId('report-versions').locator('summary').click();
    const signedVersion = page.locator('[data-testid="report-version"][data-state="final"]');
    await expect(signedVersion).toHaveCount(1);
    await expect(signedVersion).toHaveAttribute('data-superseded', 'true');
    await signedVersion.getByRole('button', { name: 'Read' }).click();
    await expect(page.getByTestId('report-version-view')).toContainText('both lungs aerated');
    await expect(page.getByTestId('report-version-view')).toContainText(`Signed by ${signer}`);
  });

  test('two windows editing one report: the later save is refused in words and neither text is lost until the person chooses', async ({ page }) => {
    const viewer = await openSample(page, own.host.url);
    await page.getByTestId('report-toggle').click();
    await page.getByTestId('report-findings').fill('First window.');
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');

    // A second window on the same study reads that version, then the first window saves another.
    const other = await page.context().newPage();
    const otherViewer = new ViewerPage(other);
    await otherViewer.goto(own.host.url);
    await other.getByTestId('study-item').click();
    await otherViewer.waitForRender(0);
    await other.getByTestId('report-toggle').click();
    await expect(other.getByTestId('report-findings')).toHaveValue('First window.');
    await page.getByTestId('report-findings').fill('First window, edited again.');
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');

    await other.getByTestId('report-findings').fill('Second window.');
    const conflict = other.getByTestId('report-conflict');
    await expect(conflict).toContainText('was saved since');
    await expect(other.getByTestId('report-save-state')).toHaveAttribute('data-state', 'conflict');
    await expect(other.getByTestId('report-findings')).toHaveValue('Second window.');
    // Nothing was written over the first window's version while the conflict waits.
    await other.waitForTimeout(1_500);
    await reopenReport(page, viewer);
    await expect(page.getByTestId('report-findings')).toHaveValue('First window, edited again.');

    // The second window keeps its text, saved as the next version on top.
    await other.getByRole('button', { name: 'Save mine on top' }).click();
    await expect(other.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');
    await reopenReport(page, viewer);
    await expect(page.getByTestId('report-findings')).toHaveValue('Second window.');
    await other.close();
  });
  test('text typed just before a reload is recovered: the notice offers it, Restore saves it, and after another reload it is there without the notice', async ({ page }) => {
    const saves = await dropReportSavesWhenHeld(page);
    const viewer = await openSample(page, own.host.url);
    await page.getByTestId('report-toggle').click();
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');

    const typed = 'Typed and reloaded at once, before the autosave.';
    saves.held = true;
    await page.getByTestId('report-findings').fill(typed);
    await page.reload();
    saves.held = false;
    await page.getByTestId('study-item').click();
    await viewer.waitForRender(0);
    await page.getByTestId('report-toggle').click();
    const notice = page.getByTestId('report-recovery');
    await expect(notice).toContainText(/Unsaved text from .+ was recovered/);
    // Not saved: the fields show the stored (empty) report until the person chooses.
    await expect(page.getByTestId('report-findings')).toHaveValue('');

    await notice.getByRole('button', { name: 'Restore' }).click();
    await expect(page.getByTestId('report-findings')).toHaveValue(typed);
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');
    await expect(page.getByTestId('report-save-state')).toContainText('(v1)');
    await expect(notice).toHaveCount(0);

    await reopenReport(page, viewer);
    await expect(page.getByTestId('report-findings')).toHaveValue(typed);
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');
    await expect(page.getByTestId('report-recovery')).toHaveCount(0);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('vesalius.report-recovery.')))).toEqual([]);
  });
  test('recovered text over a signed report is shown read-only (never written to the signed version) until discarded', async ({ page }) => {
    const saves = await dropReportSavesWhenHeld(page);
    const viewer = await openSample(page, own.host.url);
    await page.getByTestId('report-toggle').click();
    const saved = 'Saved before signing.';
    await page.getByTestId('report-findings').fill(saved);
    await expect(page.getByTestId('report-save-state')).toContainText('(v1)');

    saves.held = true;
    await page.getByTestId('report-findings').fill('Typed after, lost by the reload.');
    await page.reload();
    saves.held = false;
    await page.getByTestId('study-item').click();
    await viewer.waitForRender(0);
    await page.getByTestId('report-toggle').click();
    const notice = page.getByTestId('report-recovery');
    await expect(notice).toHaveAttribute('data-mode', 'restore');

    // Signed while the copy is still offered: the copy stays, read-only, and Restore is gone.
    await page.getByTestId('report-signer').fill('Dr. Ada Reader');
    await page.getByTestId('report-sign').click();
    await expect(page.getByTestId('report-signature')).toContainText('Signed by Dr. Ada Reader');
    await expect(notice).toHaveAttribute('data-mode', 'read-only');
    await expect(notice).toContainText('amend it to use this text');
    await expect(page.getByTestId('report-recovery-findings')).toHaveValue('Typed after, lost by the reload.');
    await expect(page.getByTestId('report-recovery-restore')).toHaveCount(0);
    await expect(page.getByTestId('report-findings')).toHaveValue(saved);

    await reopenReport(page, viewer);
    await expect(notice).toHaveAttribute('data-mode', 'read-only');
    await page.getByTestId('report-recovery-discard').click();
    await expect(notice).toHaveCount(0);
    await reopenReport(page, viewer);
    await expect(page.getByTestId('report-signature')).toContainText('Signed by Dr. Ada Reader');
    await expect(page.getByTestId('report-findings')).toHaveValue(saved);
    await expect(notice).toHaveCount(0);
  });
});
