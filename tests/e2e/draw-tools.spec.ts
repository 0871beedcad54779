import type { Page } from '@playwright/test';
import { tsImport } from 'tsx/esm/api';
import { allSaved, newSegmentation, openPhantom, segmentRows as rows, sliceVoxelsOf, voxelsOf as voxels } from './draw-page';
import { expect, ownHostPerTest, test } from './fixtures';
import type { ViewerPage } from './viewer-page';

/** The drawing tools beyond the brush, each a command: threshold brush, region grow, interpolation, islands. */
test.describe('drawing tools', () => {
  const own = ownHostPerTest('draw-tools');
  const open = (page: Page): Promise<ViewerPage> => openPhantom(page, own);

  // Slice 0 of the 6-slice phantom, in image fractions: the left lung spans x ≈ 0.21…0.41 at y = 0.475 and soft
  // tissue lies between the lungs (core/fixtures/phantom.ts). This stroke runs from lung into soft tissue only.
  const lungToSoft: [[number, number], [number, number]] = [
    [0.3, 0.475],
    [0.5, 0.475],
  ];

  test('the threshold brush with the lung preset paints only lung: a stroke over lung and soft tissue', async ({ page }) => {
    const viewer = await open(page);
    await newSegmentation(page);
    await expect(page.getByTestId('threshold-preset')).toHaveValue('lung');

    await page.keyboard.press('t');
    await expect(page.getByTestId('command-tool.thresholdBrush')).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('command-tool.brush')).toHaveAttribute('aria-pressed', 'false');
    // Wholly in soft tissue: nothing is lung, nothing is painted (and no edit is recorded).
    await viewer.dragOnImage([0.5, 0.3], [0.5, 0.4]);
    await expect(page.getByTestId('command-edit.undo')).toBeDisabled();
    expect(await voxels(rows(page).first())).toBe(0);

    await viewer.dragOnImage(...lungToSoft);
    await expect.poll(() => voxels(rows(page).first())).toBeGreaterThan(0);
    const lung = await voxels(rows(page).first());
    await expect(page.getByTestId('command-edit.undo')).toHaveAttribute('title', /threshold brush stroke \(Lung -1000…-400\)/);

    // The same stroke with the soft-tissue preset on segment 2, and with the plain brush on segment 3: the two
    // disjoint ranges split the plain stroke exactly (the stroke touches no air or bone).
    await page.getByTestId('segment-add').click();
    await page.getByTestId('threshold-preset').selectOption('softTissue');
    await viewer.dragOnImage(...lungToSoft);
    await expect.poll(() => voxels(rows(page).nth(1))).toBeGreaterThan(0);
    const soft = await voxels(rows(page).nth(1));
    await page.getByTestId('segment-add').click();
    await page.getByTestId('command-tool.brush').click();
    await viewer.dragOnImage(...lungToSoft);
    await expect.poll(() => voxels(rows(page).nth(2))).toBeGreaterThan(0);
    const plain = await voxels(rows(page).nth(2));
    expect(lung).toBeLessThan(plain);
    expect(lung + soft).toBe(plain);
    // Only the slice drawn on.
    expect((await sliceVoxelsOf(rows(page).first())).slice(1)).toEqual([0, 0, 0, 0, 0]);
    await allSaved(page);
  });

  test('region grow from a click fills the clicked lung on its slice (not the first), exactly; undo removes it', async ({ page }) => {
    const { phantomSlicePixels, PHANTOM_HU, PHANTOM_RESCALE_INTERCEPT } = (await tsImport('../../core/fixtures/phantom.ts', import.meta.url)) as typeof import('../../core/fixtures/phantom');
    // The left lung's pixels on slice 2 (the lungs do not touch: x < 128 is the left one).
    const slice = 2;
    const pixels = new DataView(phantomSlicePixels(256, 256, slice, 6).buffer);
    let leftLung = 0;
    for (let r = 0; r < 256; r++) for (let c = 0; c < 128; c++) if (pixels.getInt16((r * 256 + c) * 2, true) + PHANTOM_RESCALE_INTERCEPT === PHANTOM_HU.lung) leftLung++;

    const viewer = await open(page);
    await newSegmentation(page);
    for (let i = 0; i < slice; i++) await page.keyboard.press('ArrowDown');
    await viewer.waitForRender(slice);
    await page.keyboard.press('g');
    await expect(page.getByTestId('command-tool.regionGrow')).toHaveAttribute('aria-pressed', 'true');
    const seed = await viewer.imagePoint(0.3, 0.475);
    await page.mouse.click(seed.x, seed.y);
    await expect.poll(() => voxels(rows(page).first())).toBe(leftLung);
    expect(await sliceVoxelsOf(rows(page).first())).toEqual([0, 0, 0, 0, 0, 0].map((_, z) => (z === slice ? leftLung : 0)));
    await page.keyboard.press('Control+z');
    await expect.poll(() => voxels(rows(page).first())).toBe(0);
    await allSaved(page);
  });

  test('interpolation across 5 slices fills the 4 between two drawn slices; undo removes them', async ({ page }) => {
    const viewer = await open(page);
    await newSegmentation(page);
    await page.keyboard.press('b');
    await viewer.dragOnImage([0.45, 0.5], [0.55, 0.5]);
    await expect.poll(async () => (await sliceVoxelsOf(rows(page).first()))[0]).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
    await viewer.waitForRender(5);
    await viewer.dragOnImage([0.45, 0.5], [0.55, 0.5]);
    await expect.poll(async () => (await sliceVoxelsOf(rows(page).first()))[5]).toBeGreaterThan(0);
    expect((await sliceVoxelsOf(rows(page).first())).slice(1, 5)).toEqual([0, 0, 0, 0]);
    const drawn = await voxels(rows(page).first());

    await page.keyboard.press('n');
    await expect.poll(async () => (await sliceVoxelsOf(rows(page).first())).slice(1, 5).every((n) => n > 0)).toBe(true);
    await page.screenshot({ path: test.info().outputPath('interpolated.png') });
    await expect(page.getByTestId('command-edit.undo')).toHaveAttribute('title', /interpolate/);
    await allSaved(page);

    await page.getByTestId('command-edit.undo').click();
    await expect.poll(async () => (await sliceVoxelsOf(rows(page).first())).slice(1, 5)).toEqual([0, 0, 0, 0]);
    expect(await voxels(rows(page).first())).toBe(drawn);
    await allSaved(page);
  });

  test('remove islands drops a small piece, keep largest keeps one piece; each one undo step', async ({ page }) => {
    const viewer = await open(page);
    await newSegmentation(page);
    await page.keyboard.press('b');
    await viewer.dragOnImage([0.3, 0.6], [0.6, 0.6]);
    await expect.poll(() => voxels(rows(page).first())).toBeGreaterThan(0);
    const big = await voxels(rows(page).first());
    // A second, smaller piece apart from the first: one click-size dab made smaller.
    for (let i = 0; i < 4; i++) await page.keyboard.press('[');
    await viewer.dragOnImage([0.5, 0.3], [0.5, 0.3]);
    await expect.poll(() => voxels(rows(page).first())).toBeGreaterThan(big);
    const both = await voxels(rows(page).first());
    const small = both - big;

    await page.getByTestId('island-min-voxels').fill(String(small + 1));
    await page.getByTestId('island-min-voxels').press('Enter');
    await page.getByTestId('command-segment.removeIslands').click();
    await expect.poll(() => voxels(rows(page).first())).toBe(big);
    await page.keyboard.press('Control+z');
    await expect.poll(() => voxels(rows(page).first())).toBe(both);
    await page.keyboard.press('k');
    await expect.poll(() => voxels(rows(page).first())).toBe(big);
    await allSaved(page);
  });
});
