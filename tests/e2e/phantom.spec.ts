import { test, expect } from './fixtures';
import { probeValue } from './viewer-page';
import { PHANTOM_HU } from '../../core/fixtures/phantom';

// As on a fresh machine: no data directory, only the built-in synthetic phantom.
test.use({ withDataDir: false });

/** Normalised phantom coordinates (u, v ∈ [-1, 1], see core/fixtures/phantom.ts) as image fractions. */
const at = (u: number, v: number): [number, number] => [(u + 1) / 2, (v + 1) / 2];

test.describe('phantom sample without a data directory', () => {
  test.beforeEach(async ({ viewer, page }) => {
    await expect(page.getByRole('button', { name: 'Open real CT sample' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Open sample study' }).click();
    await viewer.waitForImport();
    await viewer.waitForRender(0);
  });

  test('opens the phantom series and shows its overlays', async ({ viewer, page }) => {
    await expect(viewer.seriesItems).toHaveCount(1);
    const instances = Number(await viewer.seriesItems.first().getAttribute('data-instances'));
    expect(instances).toBeGreaterThan(1);
    await expect(viewer.sliceIndex).toHaveText(`1/${instances}`);
    await expect(page.getByTestId('patient-name')).toHaveText('Phantom^Synthetic');
    // Axial, ImageOrientationPatient 1\0\0\0\1\0: anterior on top, patient right on screen left.
    await expect(page.getByTestId('orientation-top')).toHaveText('A');
    await expect(page.getByTestId('orientation-left')).toHaveText('R');
    // The file's own window (400/40) is the default.
    await expect(viewer.wl).toHaveText('W 400 L 40');
    expect((await viewer.canvasStats()).variance).toBeGreaterThan(200);
  });

  test('the pixel probe reports the exact HU of each phantom tissue', async ({ viewer }) => {
    expect(probeValue(await viewer.probeAtImageFraction(0.02, 0.02))).toBe(PHANTOM_HU.air);
    expect(probeValue(await viewer.probeAtImageFraction(...at(0, -0.45)))).toBe(PHANTOM_HU.softTissue);
    expect(probeValue(await viewer.probeAtImageFraction(...at(-0.38, -0.05)))).toBe(PHANTOM_HU.lung);
    const boneText = await viewer.probeAtImageFraction(...at(0, 0.42));
    expect(probeValue(boneText)).toBe(PHANTOM_HU.bone);
    expect(boneText).toMatch(/HU$/);
  });

  test('invert, zoom and reset change the rendering and come back', async ({ viewer, page }) => {
    const original = await viewer.canvasStats();
    let since = await viewer.renderedAt();
    await page.keyboard.press('i');
    await viewer.waitForRenderAfter(since);
    const inverted = await viewer.canvasStats();
    expect(inverted.mean).toBeGreaterThan(original.mean);

    since = await viewer.renderedAt();
    await page.keyboard.press('z');
    await viewer.waitForRenderAfter(since);
    await expect(page.getByTestId('zoom')).toContainText('1.25×');

    since = await viewer.renderedAt();
    await page.keyboard.press('r');
    await viewer.waitForRenderAfter(since);
    await expect(page.getByTestId('zoom')).toContainText('1.00×');
    expect((await viewer.canvasStats()).checksum).toBe(original.checksum);
  });

  test('cine plays through the stack and pauses', async ({ viewer, page }) => {
    await page.keyboard.press(' ');
    await expect(page.getByTestId('cine-toggle')).toHaveText('Pause');
    await expect(viewer.sliceIndex).not.toHaveText(/^1\//);
    await page.keyboard.press(' ');
    await expect(page.getByTestId('cine-toggle')).toHaveText('Play');
    const stopped = await viewer.sliceIndex.textContent();
    await page.waitForTimeout(400);
    await expect(viewer.sliceIndex).toHaveText(stopped ?? '');
  });

  test('the length tool measures in millimetres from the pixel spacing', async ({ viewer, page }) => {
    await page.keyboard.press('l');
    await expect(page.getByTestId('command-tool.length')).toHaveAttribute('aria-pressed', 'true');
    // Half the image width: 128 of 256 columns at 1.5 mm (384 mm field of view) = 192 mm.
    await viewer.dragOnImage([0.25, 0.5], [0.75, 0.5]);
    const label = viewer.viewport.locator('svg text').filter({ hasText: 'mm' });
    await expect(label).toHaveCount(1);
    const mm = Number(/([\d.]+)\s*mm/.exec((await label.textContent()) ?? '')?.[1]);
    // Within a pixel or so of mouse rounding at each end.
    expect(Math.abs(mm - 192)).toBeLessThan(4);
  });

  test('the help overlay lists the shortcuts', async ({ page }) => {
    await page.keyboard.press('?');
    const help = page.getByTestId('help-overlay');
    await expect(help).toBeVisible();
    await expect(help).toContainText('W/L preset: lung');
    await page.keyboard.press('Escape');
    await expect(help).toHaveCount(0);
  });
});
