import { expect, type Locator, type Page } from '@playwright/test';

/** Summary statistics of the viewport canvas, read in the page. */
export interface CanvasStats {
  width: number;
  height: number;
  mean: number;
  variance: number;
  /** A cheap fingerprint of the luminance, to tell two renders apart. */
  checksum: number;
}

/** The app as a user (and the e2e harness) sees it: buttons, overlays, the viewport. */
export class ViewerPage {
  readonly viewport: Locator;
  readonly seriesItems: Locator;
  readonly sliceIndex: Locator;
  readonly wl: Locator;
  readonly probe: Locator;
  readonly importErrors: Locator;
  readonly importPanel: Locator;

  constructor(readonly page: Page) {
    this.viewport = page.getByTestId('viewport');
    this.seriesItems = page.getByTestId('series-item');
    this.sliceIndex = page.getByTestId('slice-index');
    this.wl = page.getByTestId('wl');
    this.probe = page.getByTestId('pixel-probe');
    this.importErrors = page.getByTestId('import-errors');
    this.importPanel = page.getByTestId('import-panel');
  }

  async goto(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.getByRole('button', { name: 'Open sample study' })).toBeVisible();
  }

  async openPath(path: string): Promise<void> {
    await this.page.getByTestId('open-path-input').fill(path);
    await this.page.getByTestId('open-path-submit').click();
  }

  async waitForImport(): Promise<void> {
    await expect(this.importPanel).toHaveAttribute('data-phase', /done|failed|cancelled/, { timeout: 60_000 });
  }

  /** Waits until cornerstone has rendered `imageIndex` (0-based) of the open stack. */
  async waitForRender(imageIndex?: number): Promise<void> {
    await expect(this.viewport).not.toHaveAttribute('data-rendered-at', '', { timeout: 60_000 });
    if (imageIndex !== undefined) {
      await expect(this.viewport).toHaveAttribute('data-slice-index', String(imageIndex));
      await expect(this.sliceIndex).toHaveText(new RegExp(`^${imageIndex + 1}/`));
    }
    // Let the frame that fired IMAGE_RENDERED reach the on-screen canvas.
    await this.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  }

  /** Waits for a render that happened after `since` (a data-rendered-at value). */
  async waitForRenderAfter(since: string): Promise<void> {
    await expect
      .poll(async () => Number(await this.viewport.getAttribute('data-rendered-at')), { timeout: 30_000 })
      .toBeGreaterThan(Number(since));
    await this.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  }

  renderedAt(): Promise<string> {
    return this.viewport.getAttribute('data-rendered-at').then((v) => v ?? '');
  }

  /** Luminance statistics of what cornerstone drew on its canvas. */
  canvasStats(): Promise<CanvasStats> {
    return this.viewport.evaluate((element) => {
      const canvas = element.querySelector('canvas');
      if (!canvas) throw new Error('no canvas in the viewport');
      const context = canvas.getContext('2d');
      if (!context) throw new Error('viewport canvas has no 2d context');
      const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
      let sum = 0;
      let sumSq = 0;
      let checksum = 0;
      const n = width * height;
      for (let p = 0; p < data.length; p += 4) {
        const y = 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
        sum += y;
        sumSq += y * y;
        checksum = (checksum * 31 + data[p]) % 1_000_000_007;
      }
      const mean = sum / n;
      return { width, height, mean, variance: sumSq / n - mean * mean, checksum };
    });
  }

  /** Mean luminance (0..255) of the canvas in a 5 × 5 px patch at a point of the displayed image (fractions of its width and height). */
  async luminanceAtImageFraction(fx: number, fy: number): Promise<number> {
    await expect(this.viewport).not.toHaveAttribute('data-image-rect', '');
    const rect = JSON.parse((await this.viewport.getAttribute('data-image-rect'))!) as { left: number; top: number; width: number; height: number };
    return this.viewport.evaluate((element, { x, y }) => {
      const canvas = element.querySelector('canvas');
      const context = canvas?.getContext('2d');
      if (!canvas || !context) throw new Error('no 2d canvas in the viewport');
      // The rectangle is in CSS px; the canvas backing store may be scaled (devicePixelRatio).
      const scale = canvas.width / canvas.getBoundingClientRect().width;
      const { data } = context.getImageData(Math.round(x * scale) - 2, Math.round(y * scale) - 2, 5, 5);
      let sum = 0;
      for (let p = 0; p < data.length; p += 4) sum += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
      return sum / (data.length / 4);
    }, { x: rect.left + fx * rect.width, y: rect.top + fy * rect.height });
  }

  /** Page coordinates of a point given as fractions (0..1 each way) of the displayed image. */
  async imagePoint(fx: number, fy: number): Promise<{ x: number; y: number }> {
    const box = await this.viewport.boundingBox();
    if (!box) throw new Error('viewport not visible');
    await expect(this.viewport).not.toHaveAttribute('data-image-rect', '');
    const rect = JSON.parse((await this.viewport.getAttribute('data-image-rect'))!) as { left: number; top: number; width: number; height: number };
    return { x: box.x + rect.left + fx * rect.width, y: box.y + rect.top + fy * rect.height };
  }

  /**
   * Drags from one point of the image to another (fractions of its width and height), as a tool stroke.
   * Chromium coalesces mouse moves into animation frames; letting a frame pass after the press and after the
   * last move makes sure cornerstone has seen both ends before the release.
   * Two moves (half way, then the end): each move costs a frame with a labelmap render (~0.4 s on a quiet 2-core
   * machine, software GL), and the brush fills the swept segment between successive drag points, so a straight stroke paints
   * the same voxels in 2 moves as in 10 (measured: 573 / 571 voxels either way) in under half the time.
   */
  async dragOnImage(from: [number, number], to: [number, number]): Promise<void> {
    const start = await this.imagePoint(from[0], from[1]);
    const end = await this.imagePoint(to[0], to[1]);
    const nextFrame = () => this.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await this.page.mouse.move(start.x, start.y);
    await this.page.mouse.down();
    await nextFrame();
    await this.page.mouse.move(end.x, end.y, { steps: 2 });
    await nextFrame();
    await this.page.mouse.move(end.x, end.y);
    await nextFrame();
    await this.page.mouse.up();
  }

  /** Moves the mouse to a point of the image (fractions of its width and height) and returns the probe text. */
  async probeAtImageFraction(fx: number, fy: number): Promise<string> {
    const { x, y } = await this.imagePoint(fx, fy);
    await this.page.mouse.move(x, y);
    await expect(this.probe).not.toHaveText('');
    return (await this.probe.textContent()) ?? '';
  }
}

/** The number a probe text like "(12, 40) -1000 HU" reports. */
export function probeValue(text: string): number {
  const match = /\)\s+(-?\d+(?:\.\d+)?)/.exec(text);
  if (!match) throw new Error(`no value in probe text: ${JSON.stringify(text)}`);
  return Number(match[1]);
}
