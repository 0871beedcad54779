import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from './fixtures';
import { floatImageFixture } from '../../core/render/render-fixtures';

/** A 64 × 64 real-valued ramp 0 … 1 from left to right with a square of 2.5 in the middle, and one NaN pixel. */
function rampWithSquare(): number[] {
  const values: number[] = [];
  for (let r = 0; r < 64; r++) for (let c = 0; c < 64; c++) values.push(r >= 24 && r < 40 && c >= 24 && c < 40 ? 2.5 : c / 63);
  values[0] = Number.NaN;
  return values;
}

test.describe('parametric maps (Float / Double Float Pixel Data)', () => {
  for (const bits of [32, 64] as const) {
    test(`a ${bits}-bit real-valued map displays, windowed on the range of its values`, async ({ viewer, page }) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-e2e-parametric-'));
      try {
        await writeFile(path.join(dir, 'map.dcm'), floatImageFixture({ rows: 64, columns: 64, bits, frames: [rampWithSquare()], extra: { PixelSpacing: [1, 1] } }));
        await viewer.openPath(dir);
        await viewer.waitForImport();
        await viewer.waitForRender(0);
        await expect(page.getByTestId('image-failure')).toHaveCount(0);
        await expect(viewer.wl).not.toHaveText('W – L –');
        const left = await viewer.luminanceAtImageFraction(0.05, 0.1);
        const right = await viewer.luminanceAtImageFraction(0.95, 0.1);
        const square = await viewer.luminanceAtImageFraction(0.5, 0.5);
        expect(left).toBeLessThan(right);
        expect(right).toBeLessThan(square);
        expect(square).toBeGreaterThan(200);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
