// What the Report dock's specs share: open the sample study, reload and reopen the dock, drop the page's saves.
import type { Page } from '@playwright/test';
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
      if (saves.held && typeof message === 'string' && message.includes('report.saveDraft')) return;
      server.send(message);
    });
  });
  return saves;
}
