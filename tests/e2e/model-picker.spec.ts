import { mkdir, mkdtemp, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, expect, startTestHost } from './fixtures';
import { ViewerPage } from './viewer-page';
import { writeCachedPhantomSeries } from './phantom-cache';
import { SAMPLE_FOLDER } from '../../core/fixtures/sample';
import { copyTinyAsListedModel } from '../../core/model/test-models';

// The dock's model picker (issue 13 item 2) over a data home with models of its own: the user's copy of the tiny
// model is listed beside the bundled ones, a broken folder is listed but cannot be picked, and a picked model is the
// one that answers. (The tiny model's text is random; that it comes from the picked model is what is checked.)
test.use({ withDataDir: false });

const rendererDirOverride = (): string | undefined => (process.env.VESALIUS_RENDERER_DIR ? path.resolve(process.env.VESALIUS_RENDERER_DIR) : undefined);

test.describe('assistant model picker', () => {
  let workDir: string;
  test.beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-model-picker-'));
    const userModels = path.join(workDir, 'home', 'models');
    await mkdir(userModels, { recursive: true });
    // Copies of tiny-random as a user's models (without its test_only flag, which keeps a test fixture out of the picker).
    copyTinyAsListedModel(path.join(userModels, 'my-tiny'));
    copyTinyAsListedModel(path.join(userModels, 'half-copied'));
    await unlink(path.join(userModels, 'half-copied', 'text_decoder.onnx'));
    // "Open sample study" finds the phantom already written in the host's cache (as ownHost does it).
    await writeCachedPhantomSeries(path.join(workDir, 'cache', SAMPLE_FOLDER), {});
  });
  test.afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test('picks the user\'s model: the dock names it and the caption comes from it, and a restart keeps it; a broken folder cannot be picked', async ({ page }) => {
    const hostOptions = { port: 0, dataDir: null, home: path.join(workDir, 'home'), rendererDir: rendererDirOverride(), cacheDir: path.join(workDir, 'cache') };
    const viewer = new ViewerPage(page);
    const picker = page.getByTestId('assistant-model-picker');
    const host = await startTestHost(hostOptions);
    try {
      await viewer.goto(host.url);
      await page.getByRole('button', { name: 'Open sample study' }).click();
      await viewer.waitForImport();
      await viewer.waitForRender(0);
      await page.getByTestId('assistant-toggle').click();

      await expect(picker).toBeEnabled();
      await expect(picker).toHaveValue(/^bundled:/);
      const mine = picker.locator('option[value="user:my-tiny"]');
      await expect(mine).toHaveText('my-tiny 0.3.0-tiny (your models)');
      const broken = picker.locator('option[value="user:half-copied"]');
      await expect(broken).toBeDisabled();
      await expect(broken).toHaveAttribute('title', /half-copied: text_decoder\.onnx: file is missing/);
      // The picker keeps its height whatever it says: what is below it does not move when the model changes.
      const belowPicker = async () => (await page.getByTestId('assistant-disclaimer').boundingBox())?.y ?? Number.NaN;
      const belowBefore = await belowPicker();

      await picker.selectOption('user:my-tiny');
      await expect(page.getByTestId('assistant-model')).toHaveText('my-tiny');
      await expect(picker).toHaveValue('user:my-tiny');
      await expect(page.getByTestId('assistant-model-message')).toHaveText('');
      expect(await belowPicker()).toBe(belowBefore);

      await page.getByTestId('assistant-caption').click();
      const answers = page.getByTestId('assistant-answer');
      await expect(answers).toHaveCount(1, { timeout: 60_000 });
      await expect(page.getByTestId('assistant-error-caption')).toHaveCount(0);
      await expect(answers.first().getByTestId('assistant-answer-meta')).toHaveText(/^my-tiny · \d+ ms$/);
    } finally {
      await host.close();
    }

    // The choice is kept in the data home (settings.json): a host started again on it, as the app is the next day,
    // has it picked and in use, without a fallback notice (no model runs: a host start and a page load).
    const again = await startTestHost(hostOptions);
    try {
      await viewer.goto(again.url);
      await page.getByTestId('assistant-toggle').click();
      await expect(picker).toHaveValue('user:my-tiny');
      await expect(page.getByTestId('assistant-model')).toHaveText('my-tiny');
      await expect(page.getByTestId('assistant-model-message')).toHaveText('');
    } finally {
      await again.close();
    }
  });
});
