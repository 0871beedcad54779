import { link, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from './fixtures';
import { writePhantomSeries } from '../../core/fixtures/phantom';
import { writeNoPixelData, writeNotDicom, writeTruncatedCopy } from '../../core/fixtures/bad-files';

test.use({ withDataDir: false });

test('a folder with bad files lists each rejected file with its reason and imports the rest', async ({ viewer, page }) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-e2e-bad-'));
  try {
    const good = await writePhantomSeries(path.join(dir, 'good'), { slices: 3, rows: 32, columns: 32 });
    const bad = {
      notDicom: await writeNotDicom(path.join(dir, 'notes.dcm')),
      truncated: await writeTruncatedCopy(good[0], path.join(dir, 'truncated.dcm')),
      noPixels: await writeNoPixelData(path.join(dir, 'no-pixels.dcm')),
    };

    await viewer.openPath(dir);
    await viewer.waitForImport();
    await expect(viewer.importPanel).toHaveAttribute('data-phase', 'done');
    await expect(page.getByTestId('import-progress')).toHaveText('6 / 6');

    const errors = viewer.importErrors.locator('li');
    await expect(errors).toHaveCount(3);
    for (const file of Object.values(bad)) {
      const row = errors.filter({ hasText: file });
      await expect(row).toHaveCount(1);
      // Every rejection says why, in words.
      expect((await row.locator('.reason').textContent())?.trim().length).toBeGreaterThan(5);
    }
    await expect(errors.filter({ hasText: bad.notDicom })).toHaveAttribute('data-code', 'not_dicom');
    await expect(errors.filter({ hasText: bad.truncated })).toHaveAttribute('data-code', 'truncated');
    await expect(errors.filter({ hasText: bad.noPixels })).toHaveAttribute('data-code', 'no_pixel_data');

    // The good files still open.
    await expect(viewer.seriesItems).toHaveCount(1);
    await expect(viewer.seriesItems.first()).toHaveAttribute('data-instances', '3');
    await viewer.waitForRender(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a path that does not exist is reported, not hung on', async ({ viewer }) => {
  await viewer.openPath('/nonexistent/vesalius-e2e-missing');
  await viewer.waitForImport();
  const panel = viewer.importPanel;
  await expect(panel).toHaveAttribute('data-phase', /done|failed/);
  await expect(panel).toContainText('vesalius-e2e-missing');
  await expect(viewer.seriesItems).toHaveCount(0);
});

const COPIES = 100;

test('a long import shows its progress and can be cancelled', async ({ viewer, page }) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-e2e-many-'));
  try {
    // Enough files that indexing outlasts a click by seconds, even on a fast machine (20,000 cached files import
    // in about a second): 500 distinct files, each also hard-linked into 99 more folders, make 50,000 paths.
    const base = path.join(dir, 'series');
    const files = await writePhantomSeries(base, { slices: 500, rows: 8, columns: 8 });
    for (let copy = 1; copy < COPIES; copy++) {
      const copyDir = path.join(dir, `copy-${copy}`);
      await mkdir(copyDir);
      await Promise.all(files.map((file) => link(file, path.join(copyDir, path.basename(file)))));
    }
    await viewer.openPath(dir);
    await expect(page.getByTestId('import-cancel')).toBeVisible();
    // Progress shows from the start (the total counts up while the walk finds files); cancel as soon as it does.
    await expect(page.getByTestId('import-progress')).toHaveText(/^\d+ \/ [1-9]\d*$/);
    await page.getByTestId('import-cancel').click();
    await expect(viewer.importPanel).toHaveAttribute('data-phase', 'cancelled');
    const [processed, total] = ((await page.getByTestId('import-progress').textContent()) ?? '').split(' / ').map(Number);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(500 * COPIES);
    // Reading may have reached the end while the catalog was still being written: cancelled either way, never done.
    expect(processed).toBeLessThanOrEqual(total);
    await expect(page.getByTestId('import-counts')).toHaveCount(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the import counter advances while 2,000 files are read, and ends at the total', async ({ viewer, page }) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-e2e-2000-'));
  try {
    await writePhantomSeries(path.join(dir, 'series'), { slices: 2000, rows: 8, columns: 8 });
    // Every text the counter shows, recorded in the page as it changes (a poll from here could miss them all).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid="import-progress"]')?.textContent;
        if (text && text !== seen.at(-1)) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await viewer.openPath(dir);
    await viewer.waitForImport();
    await expect(viewer.importPanel).toHaveAttribute('data-phase', 'done');
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
    const counts = seen.map((text) => text.split(' / ').map(Number));
    expect(counts.at(-1)).toEqual([2000, 2000]);
    // Between the start and the end the counter showed files read so far, never going back.
    const between = counts.filter(([done, total]) => done > 0 && done < total);
    expect(between.length, `counter texts seen: ${seen.join(', ')}`).toBeGreaterThan(0);
    const done = counts.map(([d]) => d);
    expect(done).toEqual([...done].sort((a, b) => a - b));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
