import path from 'node:path';
import { test, expect } from './fixtures';
import { probeValue } from './viewer-page';
import { dataDirMissingMessage, resolveDataDir } from '../../core/config/data-dir';
import { realCtSampleDir } from '../../core/services/sample-paths';

// Say why once, in the run's output; each test below also carries the reason as its skip annotation.
if (!resolveDataDir()) console.log(`real-ct.spec.ts: ${dataDirMissingMessage()}`);

/** The real 20-slice CT series from the data directory, opened the way a user would. */
test.describe('real CT series', () => {
  test.beforeEach(async ({ dataDir, viewer }) => {
    test.skip(!dataDir, dataDirMissingMessage());
    await viewer.openPath(realCtSampleDir(dataDir!));
    await viewer.waitForImport();
    await viewer.waitForRender(0);
  });

  test('lists one series with 20 instances and renders a non-uniform image', async ({ viewer }) => {
    await expect(viewer.seriesItems).toHaveCount(1);
    await expect(viewer.seriesItems.first()).toHaveAttribute('data-instances', '20');
    await expect(viewer.sliceIndex).toHaveText('1/20');
    // cornerstone stays on its WebGL2 path (SwiftShader here), not the CPU fallback.
    await expect(viewer.viewport).toHaveAttribute('data-render-path', 'gpu');
    const stats = await viewer.canvasStats();
    expect(stats.width).toBeGreaterThan(100);
    // A CT slice has black air and bright bone: far from a uniform canvas.
    expect(stats.variance).toBeGreaterThan(200);

    // The series thumbnail (its middle slice) is drawn once the main image is up.
    const thumbnail = viewer.seriesItems.first().getByTestId('series-thumbnail');
    await expect
      .poll(() => thumbnail.evaluate((canvas: HTMLCanvasElement) => {
        const context = canvas.getContext('2d');
        if (!context || canvas.width === 0) return 0;
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        let lit = 0;
        for (let p = 0; p < data.length; p += 4) if (data[p] > 40) lit++;
        return lit / (data.length / 4);
      }), { timeout: 30_000 })
      .toBeGreaterThan(0.05);
  });

  test('pixel probe reads HU from the image data: air and soft tissue', async ({ viewer }) => {
    const airText = await viewer.probeAtImageFraction(0.03, 0.03);
    expect(airText).toContain('HU');
    expect(probeValue(airText)).toBeLessThan(-900);

    // Somewhere around the middle of the body there is soft tissue (muscle, organs, vessels).
    const found: number[] = [];
    for (const fy of [0.45, 0.5, 0.55, 0.6, 0.65]) {
      for (const fx of [0.3, 0.35, 0.4, 0.6, 0.65, 0.7]) {
        const value = probeValue(await viewer.probeAtImageFraction(fx, fy));
        found.push(value);
        if (value >= -100 && value <= 100) break;
      }
      if (found.some((v) => v >= -100 && v <= 100)) break;
    }
    expect(found.some((v) => v >= -100 && v <= 100), `values seen: ${found.join(', ')}`).toBe(true);
  });

  test('a W/L preset changes the window text and the rendered pixels', async ({ viewer, page }) => {
    const before = await viewer.canvasStats();
    const wlBefore = await viewer.wl.textContent();
    const renderedAt = await viewer.renderedAt();
    await page.getByTestId('preset-lung').click();
    await expect(viewer.wl).toHaveText('W 1500 L -600');
    await viewer.waitForRenderAfter(renderedAt);
    const after = await viewer.canvasStats();
    expect(wlBefore).not.toBe('W 1500 L -600');
    expect(after.checksum).not.toBe(before.checksum);
    // The lung window brightens soft tissue: mean luminance goes up.
    expect(after.mean).toBeGreaterThan(before.mean);

    const beforeBone = await viewer.renderedAt();
    await page.keyboard.press('3');
    await expect(viewer.wl).toHaveText('W 2000 L 300');
    await viewer.waitForRenderAfter(beforeBone);
    expect((await viewer.canvasStats()).checksum).not.toBe(after.checksum);
  });

  test('wheel and arrow keys scroll through the slices', async ({ viewer, page }) => {
    const first = await viewer.canvasStats();
    const box = (await viewer.viewport.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 120);
    await viewer.waitForRender(1);
    await expect(viewer.sliceIndex).toHaveText('2/20');

    await page.keyboard.press('ArrowDown');
    await viewer.waitForRender(2);
    await page.keyboard.press('ArrowDown');
    await viewer.waitForRender(3);
    await expect(viewer.sliceIndex).toHaveText('4/20');
    expect((await viewer.canvasStats()).checksum).not.toBe(first.checksum);

    await page.keyboard.press('End');
    await viewer.waitForRender(19);
    await page.keyboard.press('ArrowUp');
    await viewer.waitForRender(18);
    await expect(viewer.sliceIndex).toHaveText('19/20');
    await page.keyboard.press('Home');
    await viewer.waitForRender(0);
  });
});

test('the "Open real CT sample" button opens the same series', async ({ dataDir, viewer, page }) => {
  test.skip(!dataDir, dataDirMissingMessage());
  await page.getByRole('button', { name: 'Open real CT sample' }).click();
  await viewer.waitForImport();
  await expect(viewer.seriesItems).toHaveCount(1);
  await expect(viewer.seriesItems.first()).toHaveAttribute('data-instances', '20');
  await viewer.waitForRender(0);
  await expect(page.getByTestId('slice-position')).toContainText('mm');
  await page.screenshot({ path: test.info().outputPath('real-ct.png') });
});

test.describe('multi-frame instance from the data directory', () => {
  test('expands to one image per frame and scrolls through them', async ({ dataDir, viewer, page }) => {
    test.skip(!dataDir, dataDirMissingMessage());
    // pydicom's 2-frame RGB RLE secondary capture: one instance, two frames.
    await viewer.openPath(path.join(dataDir!, 'dicom', 'pydicom', 'SC_rgb_rle_2frame.dcm'));
    await viewer.waitForImport();
    await expect(viewer.seriesItems).toHaveCount(1);
    await expect(viewer.seriesItems.first()).toHaveAttribute('data-instances', '1');
    await viewer.waitForRender(0);
    await expect(viewer.sliceIndex).toHaveText('1/2');
    await expect(viewer.viewport).toHaveAttribute('data-rendered-image-id', /\?frame=1$/);
    await page.keyboard.press('ArrowDown');
    await viewer.waitForRender(1);
    await expect(viewer.viewport).toHaveAttribute('data-rendered-image-id', /\?frame=2$/);
  });
});
