// Key images from the volume views: the view last pointed at is captured as shown, with its view, slice and W/L,
// and the PDF caption names them.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, ownHostPerTest, test } from './fixtures';
import { openSample } from './report-page';

const PDFTOTEXT = '/usr/bin/pdftotext';

test.describe('report key images from the volume views', () => {
  const own = ownHostPerTest('report-mpr');
  test.use({ viewport: { width: 1280, height: 720 } });

  test('in 2×2 the sagittal view and the stack are captured as pointed at; in 1×3 the axial view stands in for the hidden stack; the PDF says the view and slice', async ({ page }) => {
    test.setTimeout(90_000);
    await openSample(page, own.host.url);
    await page.getByTestId('command-layout.2x2').click();
    await expect(page.getByTestId('mpr-views')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
    await page.getByTestId('report-toggle').click();
    const add = page.getByTestId('report-add-key-image');
    const sagittal = page.getByTestId('mpr-sagittal');
    await expect(sagittal).not.toHaveAttribute('data-rendered-at', '');

    await sagittal.hover();
    await expect(add).toHaveAttribute('data-view', 'sagittal');
    await expect(add).toHaveText('Add key image (Sagittal)');
    const sliceIndex = Number(await sagittal.getAttribute('data-slice-index'));
    const sliceCount = Number(await sagittal.getAttribute('data-slice-count'));
    await add.click();
    const keys = page.getByTestId('report-key-image');
    await expect(keys).toHaveCount(1);
    await expect(keys.first()).toHaveAttribute('data-view', 'sagittal');
    await expect(keys.first()).toHaveAttribute('data-slice', String(sliceIndex + 1));
    await expect(keys.first().getByRole('textbox', { name: 'Key image caption' })).toHaveValue(`Sagittal slice ${sliceIndex + 1} of ${sliceCount}`);
    await expect(keys.first().getByTestId('report-key-image-where')).toContainText(/^Sagittal \d+\/\d+ · W\/L -?\d+\/-?\d+$/);
    // The capture is the sagittal view at its on-screen size, and shows the phantom (not a blank canvas).
    const thumb = await keys.first().locator('img').evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let lit = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 60) lit++;
      return { width: img.naturalWidth, height: img.naturalHeight, litFraction: lit / (data.length / 4) };
    });
    const box = (await sagittal.boundingBox())!;
    expect(Math.abs(thumb.width - box.width)).toBeLessThanOrEqual(2);
    expect(Math.abs(thumb.height - box.height)).toBeLessThanOrEqual(2);
    expect(thumb.litFraction).toBeGreaterThan(0.02);

    await page.getByTestId('viewport').hover();
    await expect(add).toHaveAttribute('data-view', 'stack');
    await add.click();
    await expect(keys).toHaveCount(2);
    await expect(keys.nth(1)).toHaveAttribute('data-view', 'stack');
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');

    // 1×3 hides the stack: the last view pointed at is gone, so the axial view is the one captured.
    await page.getByTestId('command-layout.1x3').click();
    await expect(add).toHaveAttribute('data-view', 'axial');

    const pdfPath = path.join(own.work, 'mpr-report.pdf');
    await page.getByTestId('report-pdf-path').fill(pdfPath);
    await page.getByTestId('report-export').click();
    await expect(page.getByTestId('report-export-result')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('report-export-result')).toContainText('2 key images');
    if (existsSync(PDFTOTEXT)) {
      const text = execFileSync(PDFTOTEXT, [pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      expect(text).toContain(`Sagittal view (volume) slice ${sliceIndex + 1} of ${sliceCount}`);
      expect(text).toMatch(/stack slice \d+ of \d+ · image [0-9.]+ frame 1/);
    } else test.info().annotations.push({ type: 'note', description: `${PDFTOTEXT} is missing: the PDF's captions were not checked` });
  });
});
