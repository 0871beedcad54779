// What the drawing specs share: the phantom opened with the Segments panel, the segment rows and their counts, autosave.
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { tsImport } from 'tsx/esm/api';
import { expect, type OwnHost } from './fixtures';
import { ViewerPage } from './viewer-page';

/** A generated phantom CT (256×256, 1.5 mm pixels, `slices` slices) opened in the viewer, with the Segments panel open. */
export async function openPhantom(page: Page, own: OwnHost, slices = 6): Promise<ViewerPage> {
  const { writePhantomSeries } = (await tsImport('../../core/fixtures/phantom.ts', import.meta.url)) as typeof import('../../core/fixtures/phantom');
  const seriesDir = path.join(own.work, 'study');
  await writePhantomSeries(seriesDir, { slices, rows: 256, columns: 256, patientName: 'Draw^Phantom' });
  const viewer = new ViewerPage(page);
  await viewer.goto(own.host.url);
  await viewer.openPath(seriesDir);
  await viewer.waitForImport();
  await viewer.waitForRender(0);
  await page.getByTestId('segments-toggle').click();
  return viewer;
}

export const segmentRows = (page: Page): Locator => page.getByTestId('segment-row');
/** A segment's voxel count as the panel shows it. */
export const voxelsOf = async (row: Locator): Promise<number> => Number(await row.getByTestId('segment-voxels').textContent());
/** A segment's voxels per slice (index z), from the counts the editor keeps. */
export const sliceVoxelsOf = async (row: Locator): Promise<number[]> => ((await row.getAttribute('data-slice-voxels')) ?? '').split(',').map(Number);
export const segmentationEditor = (page: Page): Locator => page.getByTestId('segmentation-editor');

/** Waits until every edit is confirmed by the store (autosave done). */
export async function allSaved(page: Page): Promise<void> {
  await expect(segmentationEditor(page)).toHaveAttribute('data-unsaved', 'false', { timeout: 10_000 });
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
  // The toolbar shows the same while the panel is closed.
  await expect(page.getByTestId('draw-save-state')).toHaveAttribute('data-state', 'saved');
}

export async function newSegmentation(page: Page): Promise<void> {
  await page.getByTestId('segmentation-new').click();
  await expect(segmentRows(page)).toHaveCount(1);
}
