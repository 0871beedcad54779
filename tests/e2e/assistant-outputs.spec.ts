// The assistant's outputs go into the work (issue 13 item 3): Segment makes a model segmentation in the store and
// the segment list, Accept as draft an editable annotator copy, a whole-series run keeps the page responsive and
// keeps what was done on cancel, and a real lung CT slice with an expert mask shows its IoU at once.
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, hostPerFile, importThroughHost, type OwnHost } from './fixtures';
import { allSaved, openPhantom, segmentationEditor, segmentRows, voxelsOf } from './draw-page';
import { ViewerPage } from './viewer-page';
import { dataDirMissingMessage, resolveDataDir } from '../../core/config/data-dir';
import type { MaskSetInfo } from '../../core/contract/masks';

/** Slices of the file's phantom: enough that a whole-series run is still going when the test scrolls and cancels. */
const PHANTOM_SLICES = 24;
/** The bundled model's first answer loads it (seconds on a loaded machine). */
const MODEL_TIMEOUT = 120_000;

async function storedMasks(own: OwnHost, seriesKey: string): Promise<MaskSetInfo[]> {
  const listed = await own.host.service.handlers['masks.list']({ seriesKey }, { transport: 'direct', caller: 'e2e check' });
  if (!listed.ok) throw new Error(listed.error.message);
  return listed.value.maskSets;
}

async function openAssistant(page: Page): Promise<void> {
  await page.getByTestId('assistant-toggle').click();
  await expect(page.getByTestId('assistant-panel')).toBeVisible();
  await page.getByTestId('assistant-prompt').selectOption('lung');
}

/** The stored segmentation the dock shows, as the store has it. */
async function shownMask(page: Page, own: OwnHost): Promise<MaskSetInfo> {
  const id = await page.getByTestId('assistant-segmentation').getAttribute('data-mask-set-id');
  expect(id).toMatch(/^seg-/);
  const found = await findMask(own, id!);
  if (!found) throw new Error(`segmentation ${id} is not in the store`);
  return found;
}

async function findMask(own: OwnHost, id: string): Promise<MaskSetInfo | null> {
  const loaded = await own.host.service.handlers['masks.openVersion']({ maskSetId: id, version: 1 }, { transport: 'direct', caller: 'e2e check' });
  return loaded.ok ? loaded.value : null;
}

test.describe('the assistant’s outputs on the phantom', () => {
  const own = hostPerFile('assistant-outputs');
  test.setTimeout(300_000);

  test('Segment makes a model segmentation in the segment list; Accept as draft opens an editable copy the brush changes', async ({ page }) => {
    const viewer = await openPhantom(page, own, PHANTOM_SLICES);
    await openAssistant(page);
    await page.getByTestId('assistant-segment').click();
    const stored = page.getByTestId('assistant-stored');
    await expect(stored).toBeVisible({ timeout: MODEL_TIMEOUT });
    await expect(page.getByTestId('assistant-error-segment')).toHaveCount(0);
    await expect(stored).toContainText('(model, v1');
    // The phantom has no expert segmentation: nothing to score against, and the dock says so.
    await expect(page.getByTestId('assistant-score-none')).toBeVisible();

    const model = await shownMask(page, own);
    expect(model.provenance.role).toBe('model');
    expect(model.provenance.origin).toMatchObject({ kind: 'model', prompt: 'lung', scope: 'slice', complete: true });
    const origin = model.provenance.origin;
    expect(origin.kind === 'model' && origin.images?.map((i) => i.z)).toEqual([0]);
    expect(origin.kind === 'model' && origin.images?.[0].sopInstanceUid).toMatch(/^[0-9.]+$/);

    // In the Segments panel, shown through the segmentation display, and read-only there.
    await page.getByTestId('segments-toggle').click();
    await expect(page.getByTestId('segmentation-item').filter({ hasText: model.name })).toHaveCount(1);
    await expect(segmentationEditor(page)).toHaveAttribute('data-mask-set-id', model.maskSetId);
    await expect(page.getByTestId('segmentation-read-only')).toContainText('Accept as draft');
    const modelVoxels = await voxelsOf(segmentRows(page).first());
    expect(modelVoxels).toBe(model.labels[0].voxelCount);
    expect(modelVoxels).toBeGreaterThan(0);

    // Accept as draft: an annotator copy, open in the editor, which the brush changes.
    await page.getByTestId('assistant-toggle').click();
    await page.getByTestId('assistant-accept-draft').click();
    await expect(page.getByTestId('assistant-draft')).toBeVisible();
    await page.getByTestId('segments-toggle').click();
    const editor = segmentationEditor(page);
    await expect(editor).not.toHaveAttribute('data-mask-set-id', model.maskSetId);
    const draftId = (await editor.getAttribute('data-mask-set-id'))!;
    await expect(page.getByTestId('segmentation-read-only')).toHaveCount(0);
    expect(await voxelsOf(segmentRows(page).first())).toBe(modelVoxels);
    await page.getByTestId('command-tool.brush').click();
    // Through soft tissue above the lungs: the model left it out, the stroke adds it.
    await viewer.dragOnImage([0.5, 0.22], [0.5, 0.32]);
    await expect.poll(() => voxelsOf(segmentRows(page).first())).toBeGreaterThan(modelVoxels);
    await allSaved(page);

    const draft = await findMask(own, draftId);
    expect(draft?.provenance).toMatchObject({ role: 'annotator', origin: { kind: 'draft', source: { id: model.maskSetId, version: 1 }, model: { prompt: 'lung' } } });
    const series = draft!.seriesInstanceUid!;
    const now = await storedMasks(own, series);
    expect(now.find((m) => m.maskSetId === draftId)?.labels[0].voxelCount).toBeGreaterThan(modelVoxels);
    // The model's own output is as the model made it.
    expect(now.find((m) => m.maskSetId === model.maskSetId)).toMatchObject({ headVersion: 1, labels: [{ voxelCount: modelVoxels }] });
  });

  test('a whole-series run shows progress while the viewer still scrolls; cancel keeps the slices done', async ({ page }) => {
    const viewer = await openPhantom(page, own, PHANTOM_SLICES);
    await openAssistant(page);
    // The longest gap between animation frames while it runs: the page must keep painting.
    await page.evaluate(() => {
      const w = window as unknown as { __frameGaps: [number, number][]; __frameGapsOn: boolean };
      w.__frameGaps = [];
      w.__frameGapsOn = true;
      let last = performance.now();
      const tick = (now: number) => {
        if (now - last > 100) w.__frameGaps.push([Math.round(last), Math.round(now - last)]);
        last = now;
        if (w.__frameGapsOn) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const startedAt = await page.evaluate(() => performance.now());
    await page.getByTestId('assistant-segment-series').click();
    const progress = page.getByTestId('assistant-series-progress');
    await expect(progress).toHaveAttribute('data-total', String(PHANTOM_SLICES));
    await expect.poll(async () => Number(await progress.getAttribute('data-done')), { timeout: MODEL_TIMEOUT }).toBeGreaterThanOrEqual(2);

    // Scrolling works while it runs: three slices down, each rendered.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await viewer.waitForRender(3);
    const doneWhileScrolled = Number(await progress.getAttribute('data-done'));
    expect(doneWhileScrolled).toBeLessThan(PHANTOM_SLICES);

    // The run's frame gaps end here: what follows is the one store write and opening the result in the editor.
    const cancelAt = await page.evaluate(() => performance.now());
    await page.getByTestId('assistant-series-cancel').click();
    const outcome = page.getByTestId('assistant-series-outcome');
    await expect(outcome).toContainText(new RegExp(`^Cancelled after (\\d+) of ${PHANTOM_SLICES} slices\\. The \\1 slices done are kept as a partial segmentation\\.$`), { timeout: MODEL_TIMEOUT });
    const done = Number(/after (\d+) of/.exec((await outcome.textContent()) ?? '')?.[1]);
    expect(done).toBeGreaterThanOrEqual(doneWhileScrolled);
    expect(done).toBeLessThan(PHANTOM_SLICES);
    const gaps = await page.evaluate(() => {
      const w = window as unknown as { __frameGaps: [number, number][]; __frameGapsOn: boolean };
      w.__frameGapsOn = false;
      return w.__frameGaps;
    });
    const during = gaps.filter(([at]) => at >= startedAt && at < cancelAt).map(([, gap]) => gap);
    const longestGapMs = Math.max(0, ...during);
    console.log(
      `whole-series run: ${done} of ${PHANTOM_SLICES} slices before cancel; longest gap between frames while it ran ${longestGapMs} ms; gaps over 100 ms (start ms, gap ms) relative to the run: ${JSON.stringify(gaps.map(([at, gap]) => [Math.round(at - startedAt), gap]))}, cancel at ${Math.round(cancelAt - startedAt)}`,
    );
    // A long task on the renderer thread would show as a gap of seconds; a loaded 2-core machine gives some slack.
    expect(longestGapMs).toBeLessThan(1000);

    const partial = await shownMask(page, own);
    expect(partial.provenance.origin).toMatchObject({ kind: 'model', scope: 'series', complete: false });
    const origin = partial.provenance.origin;
    expect(origin.kind === 'model' && origin.images?.map((i) => i.z)).toEqual(Array.from({ length: done }, (_, z) => z));
    expect(partial.name).toContain(`${done} slices (stopped early)`);
  });

  test('a kept answer goes into the study’s report as AI text with its image, time and probability', async ({ page }) => {
    const viewer = await openPhantom(page, own, PHANTOM_SLICES);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowDown');
    await viewer.waitForRender(2);
    await openAssistant(page);
    await page.getByTestId('assistant-question').fill('is there a pneumothorax?');
    await page.getByTestId('assistant-ask').click();
    const answer = page.getByTestId('assistant-answer');
    await expect(answer).toHaveCount(1, { timeout: MODEL_TIMEOUT });
    await expect(page.getByTestId('assistant-error-ask')).toHaveCount(0);

    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Shift+R');
    await expect(page.getByTestId('report-panel')).toBeVisible();
    await page.getByTestId('report-insert-answer').click();
    const item = page.getByTestId('report-ai-item');
    await expect(item).toHaveCount(1);
    await expect(item).toHaveAttribute('data-status', 'ai-draft');
    // Where it came from, under the text: the slice asked about and when (and p / uncertain for models that report them).
    await expect(item.getByTestId('report-ai-source')).toHaveText(new RegExp(`^slice 3/${PHANTOM_SLICES} · \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d( · p = [01]\\.\\d\\d)?( · uncertain)?$`));
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');

    // Saved with the report: the image is the SOP instance of slice 3.
    const [study] = own.host.service.catalog.studies().studies;
    const saved = await own.host.service.handlers['report.get']({ studyKey: study.studyKey }, { transport: 'direct', caller: 'e2e check' });
    if (!saved.ok) throw new Error(saved.error.message);
    const source = saved.value.report?.content.aiItems[0]?.source;
    expect(source).toMatchObject({ slice: { number: 3, count: PHANTOM_SLICES }, sopInstanceUid: expect.stringMatching(/^[0-9.]+$/) });
    expect(Date.now() - Date.parse(source!.answeredAt)).toBeLessThan(10 * 60_000);
  });
});

// The issue's real case: a lung CT slice (val split) whose expert mask comes in with it, segmented by the bundled model.
const dataDir = resolveDataDir();
/** A val slice the bundled model segments well (IoU 0.960 for 0.3.0 and 0.96 for 0.2.0 in their evaluations, eval.json beside each). */
const LUNG_CASE = 'ID_0242_Z_0123.png';
const lungVal = dataDir ? path.join(dataDir, 'lung-ct', 'val') : null;
const lungCaseMissing =
  lungVal === null ? dataDirMissingMessage() : !existsSync(path.join(lungVal, 'images', LUNG_CASE)) || !existsSync(path.join(lungVal, 'masks', LUNG_CASE)) ? `${lungVal} has no ${LUNG_CASE} image and mask` : null;

test.describe('the bundled model on a lung CT slice with expert ground truth', () => {
  const own = hostPerFile('assistant-outputs-lung');
  test.setTimeout(300_000);

  test(`Segment "lung" shows IoU ≥ 0.9 against the expert mask at once${lungCaseMissing ? ` (skipped: ${lungCaseMissing})` : ''}`, async ({ page }) => {
    test.skip(lungCaseMissing !== null, lungCaseMissing ?? '');
    // One case of the dataset, laid out as the dataset is: its image becomes a DICOM slice, its mask the expert segmentation.
    const root = path.join(own.work, 'lung-ct', 'val');
    for (const folder of ['images', 'masks']) {
      await mkdir(path.join(root, folder), { recursive: true });
      await copyFile(path.join(lungVal!, folder, LUNG_CASE), path.join(root, folder, LUNG_CASE));
    }
    const imported = await importThroughHost(own.host, [root]);
    expect(imported.expertMasks).toBe(1);
    const viewer = new ViewerPage(page);
    await viewer.goto(own.host.url);
    await page.getByTestId('study-item').click();
    await viewer.waitForRender(0);

    await openAssistant(page);
    await page.getByTestId('assistant-segment').click();
    const score = page.getByTestId('assistant-score');
    await expect(score).toBeVisible({ timeout: MODEL_TIMEOUT });
    const iou = Number(await score.getAttribute('data-iou'));
    const dice = Number(await score.getAttribute('data-dice'));
    console.log(`${LUNG_CASE}: IoU ${iou.toFixed(4)}, Dice ${dice.toFixed(4)} against the expert mask`);
    expect(iou).toBeGreaterThanOrEqual(0.9);
    expect(dice).toBeGreaterThan(iou);
    await expect(page.getByTestId('assistant-iou')).toHaveText(iou.toFixed(2));
    await expect(score).toContainText(`vs expert ${LUNG_CASE}`);
  });
});
