import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, expect, outsideOrigin, recordRequests, startTestHost } from './fixtures';
import { ViewerPage } from './viewer-page';
import { projectRoot } from '../../core/config/data-dir';
import { DEFAULT_MODEL_NAME } from '../../core/model/config';
import { PHANTOM_HU, phantomHuAt } from '../../core/fixtures/phantom';
import { tintedPoints } from './overlay-pixels';

// As on a fresh machine: no data directory, the built-in phantom and the bundled model.
test.use({ withDataDir: false });

test.describe('assistant panel on the phantom sample', () => {
  test.beforeEach(async ({ viewer, page }) => {
    await page.getByRole('button', { name: 'Open sample study' }).click();
    await viewer.waitForImport();
    await viewer.waitForRender(0);
    await page.getByTestId('assistant-toggle').click();
    await expect(page.getByTestId('assistant-panel')).toBeVisible();
  });

  test('shows the bundled model, describes the slice once per click and answers a question', async ({ page }) => {
    await expect(page.getByTestId('assistant-disclaimer')).toContainText('not for diagnosis');
    await expect(page.getByTestId('assistant-model')).toHaveText(DEFAULT_MODEL_NAME);
    await expect(page.getByTestId('assistant-problem')).toHaveCount(0);

    const describe = page.getByTestId('assistant-caption');
    // A second click while the first request runs must not queue another one.
    await describe.dblclick();
    await expect(describe).toHaveText('Describe image', { timeout: 90_000 });
    await expect(describe).toBeEnabled();
    const answers = page.getByTestId('assistant-answer');
    await expect(answers).toHaveCount(1);
    await expect(page.getByTestId('assistant-error-caption')).toHaveCount(0);
    const caption = answers.first();
    await expect(caption).toHaveAttribute('data-action', 'caption');
    expect(((await caption.getByTestId('assistant-answer-text').textContent()) ?? '').trim()).not.toBe('');
    await expect(caption.getByTestId('assistant-answer-meta')).toHaveText(new RegExp(`^${DEFAULT_MODEL_NAME.replaceAll('.', '\\.')} · \\d+ ms$`));
    // Used once, the model is now in memory.
    await expect(page.getByTestId('assistant-loaded')).toHaveText('Loaded');

    await page.getByTestId('assistant-question').fill('is there a pneumothorax?');
    await page.getByTestId('assistant-ask').click();
    await expect(answers).toHaveCount(2, { timeout: 90_000 });
    await expect(page.getByTestId('assistant-error-ask')).toHaveCount(0);
    const answer = answers.first();
    await expect(answer).toHaveAttribute('data-action', 'ask');
    await expect(answer).toContainText('Q: is there a pneumothorax?');
    expect(((await answer.getByTestId('assistant-answer-text').textContent()) ?? '').trim()).not.toBe('');

    // Both answers were collected into the editable report draft.
    const draft = await page.getByTestId('assistant-report').inputValue();
    expect(draft).toContain('Description: ');
    expect(draft).toContain('Q: is there a pneumothorax? A: ');
  });

  test('segments the lungs: the overlay lies on the phantom lungs and can be hidden', async ({ page, viewer }) => {
    await expect(page.getByTestId('assistant-prompt').locator('option')).toHaveText(['lung', 'left lung', 'right lung']);
    await page.getByTestId('assistant-prompt').selectOption('lung');
    await page.getByTestId('assistant-segment').click();
    const result = page.getByTestId('assistant-segmentation');
    await expect(result).toBeVisible({ timeout: 90_000 });
    await expect(page.getByTestId('assistant-error-segment')).toHaveCount(0);

    const pixelCount = Number(await result.getAttribute('data-pixel-count'));
    const imagePixels = Number(await result.getAttribute('data-image-pixels'));
    expect(pixelCount).toBeGreaterThan(0);
    expect(pixelCount).toBeLessThan(imagePixels);
    await expect(page.getByTestId('assistant-mask-area')).toHaveText(/^[\d,]+ px · \d+\.\d\d cm²$/);

    // cornerstone draws the mask (amber) into its own canvas over the grey phantom: its pixels are the tinted ones.
    const rect = JSON.parse((await viewer.viewport.getAttribute('data-image-rect')) ?? 'null') as { left: number; top: number; width: number; height: number };
    expect(rect).not.toBeNull();
    const readOverlay = async (step: number) => {
      const { tinted, points } = await tintedPoints(viewer.viewport, step, rect);
      return { painted: tinted, points };
    };
    await expect.poll(async () => (await readOverlay(64)).painted, { timeout: 15_000 }).toBeGreaterThan(0);

    const drawn = await readOverlay(3);
    expect(drawn.painted).toBeGreaterThan(0);
    // The phantom's lungs on the first slice (see core/fixtures/phantom.ts: lungs shrink toward the ends).
    const sliceCount = Number(await viewer.seriesItems.first().getAttribute('data-instances'));
    const lungScale = 0.75 + 0.25 * Math.sin((Math.PI * 0.5) / sliceCount);
    const huAt = ([fx, fy]: [number, number]) => phantomHuAt(fx * 2 - 1, fy * 2 - 1, lungScale);
    const onLung = drawn.points.filter((p) => huAt(p) === PHANTOM_HU.lung).length;
    const outsideBody = drawn.points.filter((p) => huAt(p) === PHANTOM_HU.air).length;
    expect(drawn.points.length).toBeGreaterThan(0);
    expect(onLung / drawn.points.length).toBeGreaterThan(0.85);
    expect(outsideBody / drawn.points.length).toBeLessThan(0.05);
    // Both lungs are covered, not just one.
    expect(drawn.points.some(([fx]) => fx < 0.5)).toBe(true);
    expect(drawn.points.some(([fx]) => fx > 0.5)).toBe(true);

    await page.getByTestId('assistant-overlay-toggle').uncheck();
    await expect.poll(async () => (await readOverlay(64)).painted).toBe(0);
    await page.getByTestId('assistant-overlay-toggle').check();
    await expect.poll(async () => (await readOverlay(64)).painted).toBeGreaterThan(0);
  });
});

/** The same renderer build the fixture's host serves. */
const rendererDirOverride = (): string | undefined => (process.env.VESALIUS_RENDERER_DIR ? path.resolve(process.env.VESALIUS_RENDERER_DIR) : undefined);

test.describe('assistant panel with a broken model folder', () => {
  let workDir: string;
  let brokenModelDir: string;

  test.beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-assistant-e2e-'));
    brokenModelDir = path.join(workDir, 'broken-vlm');
    await mkdir(brokenModelDir);
    const bundled = path.join(projectRoot, 'models', DEFAULT_MODEL_NAME);
    for (const file of ['config.json', 'preprocessor_config.json']) await copyFile(path.join(bundled, file), path.join(brokenModelDir, file));
    await writeFile(path.join(brokenModelDir, 'tokenizer.json'), '{ "model": ');
  });

  test.afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test('the status names the broken file and a request shows the error', async ({ page }) => {
    const host = await startTestHost({ port: 0, dataDir: null, home: path.join(workDir, 'home'), rendererDir: rendererDirOverride(), assistant: { modelDir: brokenModelDir } });
    const requests: string[] = [];
    recordRequests(page, requests);
    try {
      const viewer = new ViewerPage(page);
      await viewer.goto(host.url);
      await page.getByRole('button', { name: 'Open sample study' }).click();
      await viewer.waitForImport();
      await viewer.waitForRender(0);
      await page.getByTestId('assistant-toggle').click();
      await expect(page.getByTestId('assistant-model')).toHaveText('broken-vlm');
      await expect(page.getByTestId('assistant-problem')).toContainText('tokenizer.json');

      await page.getByTestId('assistant-caption').click();
      await expect(page.getByTestId('assistant-error-caption')).toContainText('tokenizer.json');
      await expect(page.getByTestId('assistant-answer')).toHaveCount(0);
      expect(outsideOrigin(requests, host.port)).toEqual([]);
    } finally {
      await host.close();
    }
  });
});
