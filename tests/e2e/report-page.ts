// What the Report dock's specs share: open the sample study, reload and reopen the dock, drop the page's saves.
import { expect, type Page } from '@playwright/test';
import { ViewerPage } from './viewer-page';

/** Opens the phantom sample study in a new viewer page and waits for its first image. */
export async function openSample(page: Page, url: string): Promise<ViewerPage> {
  const viewer = new ViewerPage(page);
  await viewer.goto(url);
  await page.getByRole('button', { name: 'Open sample study' }).click();
  await viewer.waitForImport();
  await viewer.waitForRender(0);
  return viewer;
}

/** A length across the image, listed in the Scoring dock and saved: the report cites the study's measurements by itself. */
export async function drawSavedLength(page: Page, viewer: ViewerPage): Promise<void> {
  await page.keyboard.press('l');
  await viewer.dragOnImage([0.3, 0.5], [0.7, 0.5]);
  await page.getByTestId('scoring-toggle').click();
  await expect(page.getByTestId('measurement-item')).toHaveCount(1);
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
}

/** Reloads the page, chooses the study again and opens the Report dock. */
export async function reopenReport(page: Page, viewer: ViewerPage): Promise<void> {
  await page.reload();
  await page.getByTestId('study-item').click();
  await viewer.waitForRender(0);
  await page.getByTestId('report-toggle').click();
}

/**
 * The save started on unload can reach the store before the new page opens (a race on a fast machine):
 * while `held` is set, the page's report saves are dropped, as when a window closes before its save lands.
 */
export async function dropReportSavesWhenHeld(page: Page): Promise<{ held: boolean }> {
  const saves = { held: false };
  await page.routeWebSocket(/.*/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      // A save carrying a key image's PNG goes as a binary frame (its call name in the frame's JSON header).
      const text = typeof message === 'string' ? message : message.toString('latin1');
      if (saves.held && text.includes('report.saveDraft')) return;
      server.send(message);
    });
  });
  return saves;
}
