import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, expect, startTestHost } from './fixtures';
import { ViewerPage } from './viewer-page';
import { tinyRandomDir } from '../../core/model/test-models';

// Model 0.3 end to end with the tiny random model (its answers mean nothing; the rules around them do): the
// renderer sends the slice's DICOM header, so the caption starts with the header's modality and plane, and a
// question the model cannot read is refused with the reason instead of answered.
test.use({ withDataDir: false });

const rendererDirOverride = (): string | undefined => (process.env.VESALIUS_RENDERER_DIR ? path.resolve(process.env.VESALIUS_RENDERER_DIR) : undefined);

test.describe('assistant on a 0.3 model folder (tiny-random)', () => {
  let workDir: string;
  test.beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-assistant-header-'));
  });
  test.afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test('the caption of the phantom CT slice starts "ct, axial," from its header; an unreadable question is refused', async ({ page }) => {
    const host = await startTestHost({ port: 0, dataDir: null, home: path.join(workDir, 'home'), rendererDir: rendererDirOverride(), assistant: { modelDir: tinyRandomDir } });
    try {
      const viewer = new ViewerPage(page);
      await viewer.goto(host.url);
      await page.getByRole('button', { name: 'Open sample study' }).click();
      await viewer.waitForImport();
      await viewer.waitForRender(0);
      await page.getByTestId('assistant-toggle').click();
      await expect(page.getByTestId('assistant-model')).toHaveText('tiny-random');

      await page.getByTestId('assistant-caption').click();
      const answers = page.getByTestId('assistant-answer');
      await expect(answers).toHaveCount(1, { timeout: 90_000 });
      await expect(page.getByTestId('assistant-error-caption')).toHaveCount(0);
      // The phantom is CT (Modality) with an axial ImageOrientationPatient: both are forced into the caption.
      expect(((await answers.first().getByTestId('assistant-answer-text').textContent()) ?? '').trim()).toMatch(/^ct, axial,/);

      await page.getByTestId('assistant-question').fill('xyzzy plugh frobnicate?');
      await page.getByTestId('assistant-ask').click();
      await expect(page.getByTestId('assistant-error-ask')).toContainText("could not read the question: 3 of 3 words are not in the model's vocabulary", { timeout: 90_000 });
      await expect(answers).toHaveCount(1);
    } finally {
      await host.close();
    }
  });
});
