// What the volume-view specs share: waiting for the three views, aiming in them by fractions of the volume's
// outline, scrolling them, and finding a segment's colour in their canvases.
import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';

export type Axis = 'axial' | 'sagittal' | 'coronal';
export const AXES: readonly Axis[] = ['axial', 'sagittal', 'coronal'];
export interface Rect { left: number; top: number; width: number; height: number }

export const mprView = (page: Page, axis: Axis): Locator => page.getByTestId(`mpr-${axis}`);
export const nextFrame = (page: Page): Promise<unknown> => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

/** Waits until the volume has loaded and each view has rendered it. */
export async function waitForVolumeViews(page: Page): Promise<void> {
  await expect(page.getByTestId('mpr-views')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  for (const axis of AXES) await expect(mprView(page, axis)).not.toHaveAttribute('data-rendered-at', '', { timeout: 30_000 });
  await nextFrame(page);
}

/** The volume's outline in a view (CSS px from the view's corner). */
export async function imageRect(page: Page, axis: Axis): Promise<Rect> {
  await expect(mprView(page, axis)).not.toHaveAttribute('data-image-rect', '');
  return JSON.parse((await mprView(page, axis).getAttribute('data-image-rect'))!) as Rect;
}

/** A point of a view (fractions of the volume's outline there) in page px. */
export async function pagePoint(page: Page, axis: Axis, fx: number, fy: number): Promise<{ x: number; y: number }> {
  const rect = await imageRect(page, axis);
  const box = (await mprView(page, axis).boundingBox())!;
  return { x: box.x + rect.left + fx * rect.width, y: box.y + rect.top + fy * rect.height };
}

/**
 * Where a view's canvas shows the segment's colour (blended over the grey image at any opacity), as fractions of
 * the volume's outline there: a pixel counts when its chroma (its channels less their mean) points the way the
 * colour's does. Grey image pixels have none; the crosshairs' lines are other colours.
 */
export async function colouredPoints(page: Page, axis: Axis, colour: readonly [number, number, number]): Promise<[number, number][]> {
  const rect = await imageRect(page, axis);
  return mprView(page, axis).evaluate(
    (element, { rect, colour }) => {
      const canvas = element.querySelector('canvas');
      const context = canvas?.getContext('2d');
      if (!canvas || !context) throw new Error('no 2d canvas in the view');
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const box = canvas.getBoundingClientRect();
      const viewBox = element.getBoundingClientRect();
      const mean = (colour[0] + colour[1] + colour[2]) / 3;
      const want = colour.map((c) => c - mean);
      const wantLength = Math.hypot(want[0], want[1], want[2]);
      const points: [number, number][] = [];
      for (let y = 0; y < canvas.height; y++) {
        for (let x = 0; x < canvas.width; x++) {
          const o = (y * canvas.width + x) * 4;
          const m = (data[o] + data[o + 1] + data[o + 2]) / 3;
          const chroma = [data[o] - m, data[o + 1] - m, data[o + 2] - m];
          const length = Math.hypot(chroma[0], chroma[1], chroma[2]);
          if (length < 20 || (chroma[0] * want[0] + chroma[1] * want[1] + chroma[2] * want[2]) / (length * wantLength) < 0.9) continue;
          const fx = (box.left + ((x + 0.5) * box.width) / canvas.width - viewBox.left - rect.left) / rect.width;
          const fy = (box.top + ((y + 0.5) * box.height) / canvas.height - viewBox.top - rect.top) / rect.height;
          points.push([fx, fy]);
        }
      }
      return points;
    },
    { rect, colour },
  );
}

/** Scrolls a view with the wheel (one slice a notch) until it shows slice `index` (0-based, as data-slice-index counts). */
export async function scrollTo(page: Page, axis: Axis, index: number): Promise<void> {
  const centre = await pagePoint(page, axis, 0.5, 0.5);
  await page.mouse.move(centre.x, centre.y);
  const shownIndex = async () => Number(await mprView(page, axis).getAttribute('data-slice-index'));
  for (let round = 0; round < 4; round++) {
    const shown = await shownIndex();
    if (shown === index) break;
    for (let notch = 0; notch < Math.abs(index - shown); notch++) await page.mouse.wheel(0, shown < index ? 100 : -100);
    await expect.poll(shownIndex, { timeout: 5_000 }).not.toBe(shown);
    await nextFrame(page);
  }
  await expect(mprView(page, axis)).toHaveAttribute('data-slice-index', String(index));
  await nextFrame(page);
}
