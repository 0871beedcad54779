import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { tsImport } from 'tsx/esm/api';
import { allSaved, newSegmentation, openPhantom, segmentRows as rows, sliceVoxelsOf, voxelsOf as voxels } from './draw-page';
import { expect, ownHostPerTest, test } from './fixtures';
import type { ViewerPage } from './viewer-page';

/** Phantom image pixels (256 a side) as fractions of the image: pixel edge `n` lies at n / 256. */
const PIXELS = 256;
const edge = (n: number): number => n / PIXELS;
/** The corners of the square whose edges lie on pixel edges lo and hi: pixel centres lo … hi − 1 are inside. */
const square = (lo: number, hi: number): [number, number][] => [
  [edge(lo), edge(lo)],
  [edge(hi), edge(lo)],
  [edge(hi), edge(hi)],
  [edge(lo), edge(hi)],
];

/**
 * Presses at the first point and drags through the others back to it (a closed freehand outline), letting a
 * frame pass after the press and before the release as ViewerPage.dragOnImage does.
 */
async function traceOnImage(page: Page, viewer: ViewerPage, points: [number, number][]): Promise<void> {
  const nextFrame = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const screen = await Promise.all(points.map(([fx, fy]) => viewer.imagePoint(fx, fy)));
  await page.mouse.move(screen[0].x, screen[0].y);
  await page.mouse.down();
  await nextFrame();
  for (const point of [...screen.slice(1), screen[0]]) await page.mouse.move(point.x, point.y, { steps: 8 });
  await nextFrame();
  await page.mouse.up();
}

/** CSS px per image pixel as shown (the image rect the viewer publishes). */
async function cssPerPixel(page: Page): Promise<number> {
  const rect = JSON.parse((await page.getByTestId('viewport').getAttribute('data-image-rect'))!) as { width: number };
  return rect.width / PIXELS;
}

test.describe('contour fill, scissors, sphere brush and export', () => {
  const own = ownHostPerTest('draw-contour');
  const open = (page: Page): Promise<ViewerPage> => openPhantom(page, own);

  test('a freehand square fills exactly its inside; SEG export re-imports with the same voxels; scissors cut it away', async ({ page }) => {
    const viewer = await open(page);
    await newSegmentation(page);
    const slice = 1;
    await page.keyboard.press('ArrowDown');
    await viewer.waitForRender(slice);

    // Boundary tolerance: none. The outline runs along pixel edges, half a pixel from the nearest pixel centres,
    // and a mouse position is off by at most half a CSS px: under half an image pixel while a pixel spans more
    // than one CSS px (checked here), so no centre can change sides and the count is exactly the inside.
    expect(await cssPerPixel(page)).toBeGreaterThan(1.1);
    await page.keyboard.press('c');
    await expect(page.getByTestId('command-tool.contour')).toHaveAttribute('aria-pressed', 'true');
    await traceOnImage(page, viewer, square(100, 150));
    await expect.poll(() => voxels(rows(page).first())).toBe(50 * 50);
    expect(await sliceVoxelsOf(rows(page).first())).toEqual([0, 1, 2, 3, 4, 5].map((z) => (z === slice ? 2500 : 0)));
    await expect(page.getByTestId('contour-outline')).toHaveCount(0);
    await expect(page.getByTestId('command-edit.undo')).toHaveAttribute('title', /contour fill/);
    await allSaved(page);

    // Export as SEG into the study's folder (granted when it was opened); a folder never granted is refused in words.
    await page.getByTestId('segmentation-export-toggle').click();
    await page.getByTestId('export-path').fill('/proc/vesalius-not-granted.dcm');
    await page.getByTestId('export-submit').click();
    await expect(page.getByTestId('export-result')).toHaveAttribute('data-ok', 'false');
    await expect(page.getByTestId('export-result')).toContainText('not inside a folder you opened');
    const outPath = path.join(own.work, 'study', 'contour.dcm');
    await page.getByTestId('export-path').fill(outPath);
    await page.getByTestId('export-submit').click();
    await expect(page.getByTestId('export-result')).toHaveAttribute('data-ok', 'true');
    await expect(page.getByTestId('export-result')).toContainText(`${outPath}`);
    await expect(page.getByTestId('export-result')).toContainText('Segment 1: 2500 voxels');
    await expect(page.getByTestId('export-result')).toContainText(/1 frame\b/);
    expect(existsSync(outPath)).toBe(true);
    await expect(page.getByTestId('export-result')).toContainText(`${statSync(outPath).size} bytes`);

    // Read back through the host's own masks.open: the same voxels.
    const { dispatch } = (await tsImport('../../core/contract/dispatch.ts', import.meta.url)) as typeof import('../../core/contract/dispatch');
    const reopened = (await dispatch(own.host.service.handlers, 'masks.open', { paths: [outPath] }, { transport: 'direct', caller: 'e2e' })) as {
      ok: boolean;
      value: { opened: { labels: { voxelCount: number }[] }[]; errors: unknown[] };
    };
    expect(reopened.ok).toBe(true);
    expect(reopened.value.errors).toEqual([]);
    expect(reopened.value.opened[0].labels.map((l) => l.voxelCount)).toEqual([2500]);

    // Scissors: a 20 × 20 square inside goes, then a square round everything takes the rest.
    await page.keyboard.press('s');
    await expect(page.getByTestId('command-tool.scissors')).toHaveAttribute('aria-pressed', 'true');
    await traceOnImage(page, viewer, square(110, 130));
    await expect.poll(() => voxels(rows(page).first())).toBe(2500 - 400);
    await expect(page.getByTestId('command-edit.undo')).toHaveAttribute('title', /scissors/);
    await traceOnImage(page, viewer, square(90, 160));
    await expect.poll(() => voxels(rows(page).first())).toBe(0);
    // Each outline is one undo step.
    await page.keyboard.press('Control+z');
    await expect.poll(() => voxels(rows(page).first())).toBe(2100);
    await allSaved(page);
  });

  test('the sphere brush paints the neighbouring slices within its radius; the circle only the shown one', async ({ page }) => {
    const viewer = await open(page);
    await newSegmentation(page);
    const slice = 2;
    for (let i = 0; i < slice; i++) await page.keyboard.press('ArrowDown');
    await viewer.waitForRender(slice);
    await page.keyboard.press('b');
    await expect(page.getByTestId('brush-shape')).toHaveValue('circle');
    await viewer.dragOnImage([0.45, 0.5], [0.5, 0.5]);
    await expect.poll(async () => (await sliceVoxelsOf(rows(page).first()))[slice]).toBeGreaterThan(0);
    expect((await sliceVoxelsOf(rows(page).first())).filter((n) => n > 0)).toHaveLength(1);

    // 5 mm radius on 2.5 mm slices: slices 1 and 3 get a disk of radius √(5² − 2.5²) mm; 0 and 4 lie on the rim at
    // most (a point, or nothing off the centre), slice 5 is out of reach.
    await page.getByTestId('segment-add').click();
    await page.getByTestId('brush-shape').selectOption('sphere');
    await viewer.dragOnImage([0.45, 0.5], [0.5, 0.5]);
    await expect.poll(async () => (await sliceVoxelsOf(rows(page).nth(1)))[slice]).toBeGreaterThan(0);
    const perSlice = await sliceVoxelsOf(rows(page).nth(1));
    expect(perSlice[1]).toBeGreaterThan(0);
    expect(perSlice[3]).toBe(perSlice[1]);
    expect(perSlice[2]).toBeGreaterThan(perSlice[1]);
    expect(perSlice[5]).toBe(0);
    // On the shown slice the sphere's section is the circle's disk.
    expect(perSlice[slice]).toBe((await sliceVoxelsOf(rows(page).first()))[slice]);
    await page.keyboard.press('Control+z');
    await expect.poll(() => voxels(rows(page).nth(1))).toBe(0);
    await allSaved(page);
  });
});
