// Report recovery: every edit not yet in the store (AI texts, key images, findings) survives the page going away
// without its unload handlers (as in a crash) and is offered back; what goes to the store at once (an AI
// confirmation, a new key image) is there after it.
import type { Page } from '@playwright/test';
import { tsImport } from 'tsx/esm/api';
import { expect, ownHostPerTest, test } from './fixtures';
import { dropReportSavesWhenHeld, openSample, reopenReport } from './report-page';
import type { ViewerPage } from './viewer-page';

const seededCaption = 'AI caption of the phantom: an axial slice of the chest.';

test.describe('report recovery', () => {
  const own = ownHostPerTest('report-recovery');
  test.use({ viewport: { width: 1280, height: 720 } });

  /** Calls the host directly (as the CLI does): seeds what the assistant would have inserted, without running the model. */
  async function call<T>(name: string, args: unknown): Promise<T> {
    const { dispatch } = (await tsImport('../../core/contract/dispatch.ts', import.meta.url)) as typeof import('../../core/contract/dispatch');
    const result = (await dispatch(own.host.service.handlers, name as never, args as never, { transport: 'direct', caller: 'e2e' })) as { ok: boolean; value: T; error?: { message: string } };
    if (!result.ok) throw new Error(`${name}: ${result.error?.message}`);
    return result.value;
  }

  /** The sample study with a saved draft holding one AI caption (an AI draft), and the Report dock open on it. */
  async function seededReport(page: Page): Promise<ViewerPage> {
    const viewer = await openSample(page, own.host.url);
    const { studies } = await call<{ studies: { studyKey: string }[] }>('catalog.studies', {});
    await call('report.saveDraft', {
      studyKey: studies[0].studyKey,
      expectedVersion: 0,
      content: { findings: 'Seeded findings.', aiItems: [{ id: 'seed-caption', kind: 'caption', text: seededCaption, model: { name: 'vesalius-vlm', version: '0.1.0' } }] },
    });
    // The dock read the study's (empty) report when the study opened: read it again.
    await reopenReport(page, viewer);
    await expect(page.getByTestId('report-ai-text')).toHaveValue(seededCaption);
    return viewer;
  }

  /**
   * A crash runs no unload handler: the page's pagehide, beforeunload and visibilitychange listeners are
   * never added (an init script, before the app's own code), so what is kept is what each edit wrote.
   * (Chromium's Page.crash takes the whole test context down here, so the crash is modelled this way.)
   */
  async function withoutUnloadHandlers(page: Page): Promise<void> {
    await page.addInitScript(() => {
      const add = EventTarget.prototype.addEventListener;
      EventTarget.prototype.addEventListener = function (this: EventTarget, type: string, ...rest: [EventListenerOrEventListenerObject | null, (boolean | AddEventListenerOptions)?]) {
        if (type === 'pagehide' || type === 'beforeunload' || type === 'visibilitychange') return;
        add.call(this, type, ...rest);
      };
    });
  }

  test('an AI text edited and a key image removed, unsaved when the page goes without running its unload handlers, are offered back and restored', async ({ page }) => {
    const saves = await dropReportSavesWhenHeld(page);
    await withoutUnloadHandlers(page);
    const viewer = await seededReport(page);
    await page.getByTestId('report-add-key-image').click();
    await expect(page.getByTestId('report-key-image')).toHaveCount(1);
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');

    // Neither edit reaches the store: the page's saves are dropped from here on.
    saves.held = true;
    const edited = 'Edited by the reader before the page went.';
    await page.getByTestId('report-ai-text').fill(edited);
    await page.getByTestId('report-remove-key-image').click();
    await expect(page.getByTestId('report-key-image')).toHaveCount(0);
    await reopenReport(page, viewer);
    saves.held = false;

    const notice = page.getByTestId('report-recovery');
    await expect(notice).toContainText(/Unsaved changes from .+ were recovered/);
    await expect(page.getByTestId('report-recovery-changes')).toHaveText('Changed: 1 AI text, 1 key image.');
    // Not applied until the person chooses: the dock shows the stored version.
    await expect(page.getByTestId('report-ai-text')).toHaveValue(seededCaption);
    await expect(page.getByTestId('report-key-image')).toHaveCount(1);

    await notice.getByRole('button', { name: 'Restore' }).click();
    await expect(page.getByTestId('report-ai-text')).toHaveValue(edited);
    await expect(page.getByTestId('report-key-image')).toHaveCount(0);
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');
    // The store decides the review state: a changed AI text is edited by the person.
    await expect(page.getByTestId('report-ai-item')).toHaveAttribute('data-status', 'edited');
    await expect(notice).toHaveCount(0);

    await reopenReport(page, viewer);
    await expect(page.getByTestId('report-ai-text')).toHaveValue(edited);
    await expect(page.getByTestId('report-key-image')).toHaveCount(0);
    await expect(page.getByTestId('report-recovery')).toHaveCount(0);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('vesalius.report-recovery.')))).toEqual([]);
  });

  test('a confirmation and a new key image are in the store once shown: going at once, without unload handlers, loses neither and offers nothing', async ({ page }) => {
    await withoutUnloadHandlers(page);
    const viewer = await seededReport(page);
    await page.getByTestId('report-ai-confirm').click();
    await expect(page.getByTestId('report-ai-item')).toHaveAttribute('data-status', 'confirmed');
    await page.getByTestId('report-add-key-image').click();
    await expect(page.getByTestId('report-key-image')).toHaveCount(1);
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');
    await reopenReport(page, viewer);
    await expect(page.getByTestId('report-ai-item')).toHaveAttribute('data-status', 'confirmed');
    await expect(page.getByTestId('report-key-image')).toHaveCount(1);
    await expect(page.getByTestId('report-key-image').locator('img')).toHaveCount(1);
    await expect(page.getByTestId('report-recovery')).toHaveCount(0);
  });
});
