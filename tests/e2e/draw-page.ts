// What the drawing specs share: the phantom opened with the Segments panel, the segment rows and their counts, autosave.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, importThroughHost, type OwnHost } from './fixtures';
import type { RunningHost } from '../../host/server';
import { writeCachedPhantomSeries } from './phantom-cache';
import { ViewerPage } from './viewer-page';

/** The drawing phantom's series key in each host that has imported it: a host shared by a file imports it once. */
const phantomSeriesKey = new WeakMap<RunningHost, string>();

/**
 * A generated phantom CT (256×256, 1.5 mm pixels, `slices` slices) in `own.work/study`, imported once per host,
 * opened in the viewer from the study list, with the Segments panel open. A host shares the one study with
 * every test that uses it: each test starts its own segmentation (newSegmentation).
 */
export async function openPhantom(page: Page, own: OwnHost, slices = 6): Promise<ViewerPage> {
  const seriesDir = path.join(own.work, 'study');
  let seriesKey = phantomSeriesKey.get(own.host);
  if (!seriesKey) {
    if (!existsSync(seriesDir)) await writeCachedPhantomSeries(seriesDir, { slices, rows: 256, columns: 256, patientName: 'Draw^Phantom' });
    [seriesKey] = (await importThroughHost(own.host, [seriesDir])).seriesKeys;
    if (!seriesKey) throw new Error(`openPhantom: no series imported from ${seriesDir}`);
    phantomSeriesKey.set(own.host, seriesKey);
  }
  const viewer = new ViewerPage(page);
  await viewer.goto(own.host.url);
  await page.getByTestId('study-item').click();
  await viewer.waitForRender(0);
  await page.getByTestId('segments-toggle').click();
  // Opening the panel opens the series' newest drawn segmentation (an earlier test's, on a shared host): wait for it,
  // so that newSegmentation's new one is not mistaken for it, nor replaced by it.
  const listed = await own.host.service.handlers['masks.list']({ seriesKey }, { transport: 'direct', caller: 'e2e set-up' });
  if (!listed.ok) throw new Error(listed.error.message);
  const latest = listed.value.maskSets.filter((m) => m.provenance.origin.kind === 'drawn' && !m.readOnly).at(-1);
  if (latest) await expect(segmentationEditor(page)).toHaveAttribute('data-mask-set-id', latest.maskSetId);
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

/** A new, empty segmentation of the open series, in the editor (never one an earlier test left in the store). */
export async function newSegmentation(page: Page): Promise<void> {
  const editor = segmentationEditor(page);
  const shown = (await editor.count()) ? await editor.getAttribute('data-mask-set-id') : null;
  const viewportBefore = await page.getByTestId('viewport').boundingBox();
  await page.getByTestId('segmentation-new').click();
  if (shown) await expect(editor).not.toHaveAttribute('data-mask-set-id', shown);
  await expect(editor).toBeVisible();
  await expect(segmentRows(page)).toHaveCount(1);
  // Opening a segmentation (the toolbar's save indicator appears) must not re-flow the layout: a viewport resized
  // under the pointer moves every stroke drawn next.
  expect(await page.getByTestId('viewport').boundingBox(), 'the viewport moved or resized when the segmentation opened').toEqual(viewportBefore);
}
