import { test, expect } from './fixtures';

// As on a fresh machine: no data directory, the built-in phantom and the bundled model (which has embeddings).
test.use({ withDataDir: false });

test('Classify in the assistant dock: the slice’s modality (4) and region (3) with probabilities, the top one bold', async ({ page, viewer }) => {
  await page.getByRole('button', { name: 'Open sample study' }).click();
  await viewer.waitForImport();
  await viewer.waitForRender(0);
  await page.getByTestId('assistant-toggle').click();
  const panel = page.getByTestId('classify-panel');
  const classify = panel.getByTestId('assistant-classify');
  await expect(classify).toBeEnabled();
  await classify.click();

  const sets = panel.getByTestId('classify-set');
  await expect(sets).toHaveCount(2, { timeout: 60_000 });
  await expect(panel.getByTestId('classify-error')).toHaveCount(0);
  for (const [name, count] of [['modality', 4], ['region', 3]] as const) {
    const set = panel.locator(`[data-testid="classify-set"][data-set="${name}"]`);
    const rows = set.getByTestId('classify-row');
    await expect(rows).toHaveCount(count);
    const shown = await set.getByTestId('classify-probability').allTextContents();
    const values = shown.map((text) => Number(/^(\d+\.\d) %$/.exec(text)?.[1]));
    expect(values.every((v) => Number.isFinite(v)), shown.join(' ')).toBe(true);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    expect(await rows.first().locator('th').evaluate((th) => getComputedStyle(th).fontWeight)).toBe('700');
    expect(await rows.nth(1).locator('th').evaluate((th) => getComputedStyle(th).fontWeight)).toBe('400');
  }

  // A single label is refused in words before any request.
  await panel.getByTestId('classify-labels').fill('pneumothorax');
  await classify.click();
  await expect(panel.getByTestId('classify-error')).toHaveText('Labels: give at least two labels to choose between.');
});
