import { rmSync } from 'node:fs';
import path from 'node:path';
import { expect, ownHostPerTest, test } from './fixtures';
import { writeCachedPhantomSeries } from './phantom-cache';
import { ViewerPage } from './viewer-page';

/** The study catalog survives a restart of the host, and files that vanished are marked, not fatal. */
test.describe('the study catalog', () => {
  const own = ownHostPerTest('catalog');

  test.describe('across a restart', () => {
    // The host closes under the open page while it still fetches the slices: those requests fail — refused, reset or cut short, depending on where each was when the host closed — (and one image
    // load reports it, as a decoder rejection of an XMLHttpRequest). Expected here; anywhere else they fail the test.
    test.use({ allowedPageErrors: /^console\.error: (Failed to load resource: net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|CONTENT_LENGTH_MISMATCH) |ImageLoadFailure: .+ decoder rejected the pixel data \(\[object XMLHttpRequest\]\))/ });
    test('an imported study is still listed after a restart, and opens', async ({ page }) => {
      const viewer = new ViewerPage(page);
      await viewer.goto(own.host.url);
      await expect(page.getByTestId('study-list-empty')).toBeVisible();
      await page.getByRole('button', { name: 'Open sample study' }).click();
      await viewer.waitForImport();
      await viewer.waitForRender(0);
      await expect(page.getByTestId('study-item')).toHaveCount(1);

      await own.restart();
      await viewer.goto(own.host.url);
      const study = page.getByTestId('study-item');
      await expect(study).toHaveCount(1);
      await expect(study).toContainText('Phantom^Synthetic');
      await study.click();
      await expect(viewer.seriesItems).toHaveCount(1);
      await viewer.waitForRender(0);
      await expect(page.getByTestId('patient-name')).toHaveText('Phantom^Synthetic');

      // The search narrows the list; a word that matches nothing empties it.
      await page.getByTestId('study-search').fill('nobody-by-this-name');
      await expect(page.getByTestId('study-item')).toHaveCount(0);
      await expect(page.getByTestId('study-list-empty')).toContainText('No study matches');
      await page.getByTestId('study-filters-clear').click();
      await expect(page.getByTestId('study-item')).toHaveCount(1);
    });
  });

  test('files deleted since the import are marked missing and the rest still shows', async ({ page }) => {
    const folder = path.join(own.work, 'series');
    const files = await writeCachedPhantomSeries(folder, { slices: 6, rows: 64, columns: 64 });
    const viewer = new ViewerPage(page);
    await viewer.goto(own.host.url);
    await viewer.openPath(folder);
    await viewer.waitForImport();
    await viewer.waitForRender(0);
    rmSync(files[2]);
    await viewer.openPath(folder);
    await expect(page.getByTestId('import-panel')).toHaveAttribute('data-phase', 'done');
    await expect(page.getByTestId('study-missing')).toHaveText('1 file missing');
    await expect(page.getByTestId('series-missing')).toHaveText('1 file missing');
    await expect(viewer.seriesItems.first()).toHaveAttribute('data-instances', '5');
    await viewer.waitForRender(0);
    await expect(viewer.sliceIndex).toHaveText('1/5');
  });
});
