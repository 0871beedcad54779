import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floatImageFixture, imageFixture } from '../render/render-fixtures';
import { modalityFrame } from './modality-frame';
import { ReaderSandbox } from './reader-sandbox';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-modality-frame-'));
const sandbox = new ReaderSandbox();
afterAll(async () => {
  await sandbox.close();
  rmSync(tmp, { recursive: true, force: true });
});

// Two 2 × 3 frames of signed stored values, rescaled by slope 2 and intercept -1024.
const frames = [
  [0, 1, 2, 3, 4, 5],
  [-5, 100, 2000, -1, 0, 7],
];
const rescale = { RescaleSlope: 2, RescaleIntercept: -1024 };
const rescaled = (values: number[]): number[] => values.map((v) => v * 2 - 1024);

describe('modalityFrame', () => {
  it('gives the frame asked for, rescaled, in every native byte order and in RLE', async () => {
    for (const syntax of ['explicit-le', 'implicit-le', 'explicit-be', 'rle'] as const) {
      const bytes = imageFixture({ rows: 2, columns: 3, frames, bitsAllocated: 16, signed: true, syntax, extra: rescale });
      const second = await modalityFrame(bytes, 2);
      expect(second, syntax).toMatchObject({ ok: true, rows: 2, columns: 3, numberOfFrames: 2, rescale: { slope: 2, intercept: -1024 }, modalityLut: false });
      if (second.ok) expect([...second.values], syntax).toEqual(rescaled(frames[1]));
    }
  });

  it('without rescale values the stored values are the modality values', async () => {
    const result = await modalityFrame(imageFixture({ rows: 2, columns: 3, frames: [frames[0]], bitsAllocated: 8 }), 1);
    expect(result.ok && [...result.values]).toEqual(frames[0]);
  });

  it('real-valued pixels (Float Pixel Data) with their rescale', async () => {
    const result = await modalityFrame(floatImageFixture({ rows: 1, columns: 3, frames: [[0.5, -1.25, 3]], bits: 32, extra: { RescaleSlope: 2, RescaleIntercept: 1 } }), 1);
    expect(result.ok && [...result.values]).toEqual([2, -1.5, 7]);
  });

  it('refuses a colour image and a frame past the last, in words', async () => {
    const rgb = imageFixture({ rows: 1, columns: 2, frames: [[1, 2, 3, 4, 5, 6]], bitsAllocated: 8, samplesPerPixel: 3, photometric: 'RGB' });
    expect(await modalityFrame(rgb, 1)).toEqual({ ok: false, reason: 'the image is colour (RGB, 3 sample(s) per pixel): it has no modality values to give statistics of' });
    const grey = imageFixture({ rows: 2, columns: 3, frames, bitsAllocated: 16, signed: true });
    expect(await modalityFrame(grey, 3)).toEqual({ ok: false, reason: 'there is no frame 3: the image has 2 frame(s) (Number of Frames (0028,0008))' });
  });
});

describe('ReaderSandbox.modalityFrame (on a reader thread)', () => {
  it('decodes a file on a reader thread and hands the values back; a missing file is a reason', async () => {
    const file = path.join(tmp, 'ct.dcm');
    writeFileSync(file, imageFixture({ rows: 2, columns: 3, frames, bitsAllocated: 16, signed: true, extra: rescale }));
    const result = await sandbox.modalityFrame(file, 1);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.values).toBeInstanceOf(Float32Array);
      expect([...result.values]).toEqual(rescaled(frames[0]));
    }
    const missing = await sandbox.modalityFrame(path.join(tmp, 'missing.dcm'), 1);
    // The caller names the file (writeReportDicom: "<path>: not found").
    expect(missing).toEqual({ ok: false, reason: 'not found' });
  }, 60_000);
});
