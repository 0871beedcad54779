import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, expect, rendererDirOverride, startTestHost } from './fixtures';
import { openSample } from './report-page';
import { writeCachedPhantomSeries } from './phantom-cache';
import { SAMPLE_FOLDER } from '../../core/fixtures/sample';
import { tinyRandomDir } from '../../core/model/test-models';

// Caption streaming (issue 13 item 1): the dock shows the caption growing while the worker decodes, then the
// final text with its probability. The tiny model (random text, fast) serves it, so the test measures the path,
// not the model.
test.use({ withDataDir: false });

test.describe('caption streaming in the dock', () => {
  let workDir: string;
  test.beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-caption-stream-'));
    await writeCachedPhantomSeries(path.join(workDir, 'cache', SAMPLE_FOLDER), {});
  });
  test.afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test('the caption grows in the dock, then the final text shows with its probability', async ({ page }) => {
    const host = await startTestHost({
      port: 0,
      dataDir: null,
      home: path.join(workDir, 'home'),
      rendererDir: rendererDirOverride(),
      cacheDir: path.join(workDir, 'cache'),
      assistant: { modelDir: tinyRandomDir },
    });
    try {
      await openSample(page, host.url);
      await page.getByTestId('assistant-toggle').click();
      await expect(page.getByTestId('assistant-model')).toHaveText('tiny-random');

      // Every text the growing caption shows, as the page renders it (a fast model can finish between two polls).
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { captionTexts: string[] }).captionTexts = seen;
        new MutationObserver(() => {
          const text = document.querySelector('[data-testid="assistant-caption-stream"]')?.textContent ?? null;
          if (text !== null && text !== seen.at(-1)) seen.push(text);
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      await page.getByTestId('assistant-caption').click();
      const answer = page.getByTestId('assistant-answer').first();
      await expect(answer).toHaveAttribute('data-action', 'caption', { timeout: 30_000 });
      await expect(page.getByTestId('assistant-caption-stream')).toHaveCount(0);
      await expect(page.getByTestId('assistant-error-caption')).toHaveCount(0);

      const finalText = ((await answer.getByTestId('assistant-answer-text').textContent()) ?? '').trim();
      expect(finalText).not.toBe('');
      await expect(answer.getByTestId('assistant-answer-probability')).toHaveText(/^p = (\d\.\d\d|\d\.\de-\d+)$/);

      const shown = await page.evaluate(() => (window as unknown as { captionTexts: string[] }).captionTexts);
      expect(shown.length, 'texts the growing caption showed').toBeGreaterThan(1); // one per token: 27 in a measured run
      // Each text shown is the caption so far ("…" while it grows): a beginning of the next, and of the final text.
      const partials = shown.map((t) => t.replace(/…$/, ''));
      partials.forEach((partial, i) => {
        expect(finalText.startsWith(partial), `"${partial}" begins "${finalText}"`).toBe(true);
        if (i > 0) expect(partial.startsWith(partials[i - 1])).toBe(true);
      });
    } finally {
      await host.close();
    }
  });
});
