import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../config/data-dir';
import { scratchFolder } from '../fixtures/scratch-folder';
import { imageFixture, paletteData16 } from './render-fixtures';
import { renderFrame, type RenderedFrame, type RenderOptions } from './render-frame';

// A VOI LUT Sequence (0028,3010) item maps the modality LUT output x to entry[x - first mapped]
// (below it entry 0, past the end the last entry), PS3.3 C.11.2; its entries run 0 .. 2^bits - 1,
// scaled here to 0 .. 255.

async function rendered(bytes: Uint8Array, options?: RenderOptions): Promise<RenderedFrame> {
  const result = await renderFrame(bytes, options);
  if (!result.ok) throw new Error(`expected a rendering, got: ${result.reason}`);
  return result;
}

/** 12-bit entries 0, 1365, 2730, 4095 (16-bit words, little endian) from first mapped value `first`: 0, 85, 170, 255 on 8 bits. */
const voiLut = (first: number, data = [0, 1365, 2730, 4095], bits = 12) => ({
  VOILUTSequence: [{ LUTDescriptor: [data.length, first, bits], LUTData: paletteData16(data), _vrMap: { LUTDescriptor: first < 0 ? 'SS' : 'US', LUTData: 'OW' } }],
});

const scratch = scratchFolder('render-voi-lut');

describe('VOI LUT Sequence', () => {
  it('is applied when the file has one and no window is asked for, before its window values (as pydicom prefers the LUT)', async () => {
    // stored 9 (below 10: entry 0), 11 → entry 1, 12 → entry 2, 50 → past the end: the last entry
    const bytes = imageFixture({ rows: 1, columns: 4, bitsAllocated: 16, frames: [[9, 11, 12, 50]], extra: { WindowCenter: 30, WindowWidth: 40, ...voiLut(10) } });
    const out = await rendered(bytes);
    expect([...out.pixels]).toEqual([0, 85, 170, 255]);
    expect(out.applied.window).toBeNull();
    expect(out.applied.voiLut).toEqual({ entries: 4, firstMapped: 10, bitsPerEntry: 12 });
  });

  it('maps the modality LUT output (rescale first), truncating a fractional value as pydicom does', async () => {
    // stored 1, 2, 3, 5 × slope 1.5 + 8 → 9.5, 11, 12.5, 15.5 → entries 0, 1, 2, 3 (index 5 → last)
    const bytes = imageFixture({ rows: 1, columns: 4, bitsAllocated: 16, frames: [[1, 2, 3, 5]], extra: { RescaleSlope: 1.5, RescaleIntercept: 8, ...voiLut(10) } });
    expect([...(await rendered(bytes)).pixels]).toEqual([0, 85, 170, 255]);
  });

  it('reads the first mapped value as signed when the modality output can be negative (HU)', async () => {
    // HU -1000 (below -1: entry 0), 0 → entry 1, 1 → entry 2, 2000 → past the end
    const bytes = imageFixture({ rows: 1, columns: 4, bitsAllocated: 16, frames: [[24, 1024, 1025, 3024]], extra: { RescaleSlope: 1, RescaleIntercept: -1024, ...voiLut(-1) } });
    const out = await rendered(bytes);
    expect([...out.pixels]).toEqual([0, 85, 170, 255]);
    expect(out.applied.voiLut?.firstMapped).toBe(-1);
  });

  it('gives way to a window asked for', async () => {
    const bytes = imageFixture({ rows: 1, columns: 2, bitsAllocated: 16, frames: [[0, 100]], extra: voiLut(10) });
    const out = await rendered(bytes, { window: { center: 50, width: 2, source: 'user' } });
    expect(out.applied.voiLut).toBeUndefined();
    expect(out.applied.window).toMatchObject({ center: 50, width: 2, source: 'user' });
    expect([...out.pixels]).toEqual([0, 255]);
  });

  it('MONOCHROME1 is inverted after the table', async () => {
    const bytes = imageFixture({ rows: 1, columns: 2, bitsAllocated: 16, photometric: 'MONOCHROME1', frames: [[10, 11]], extra: voiLut(10) });
    expect([...(await rendered(bytes)).pixels]).toEqual([255, 170]);
  });

  it('refuses a table whose bits per entry is outside 8 .. 16, naming the descriptor', async () => {
    const result = await renderFrame(imageFixture({ rows: 1, columns: 1, bitsAllocated: 16, frames: [[0]], extra: voiLut(0, [0, 1], 4) }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe('the VOI LUT descriptor (0028,3002) says 4 bits per entry');
  });

  const python = '/usr/bin/python3';
  const havePydicom = existsSync(python) && spawnSync(python, ['-c', 'import pydicom, numpy'], { encoding: 'utf8' }).status === 0;
  if (!havePydicom) console.warn(`VOI LUT pydicom comparison skipped: ${python} with pydicom and numpy is not available (Debian: apt-get install python3-pydicom python3-numpy)`);

  it.skipIf(!havePydicom)('gives pydicom\'s pixels (apply_modality_lut, then apply_voi_lut preferring the LUT) on a generated 16-bit table', async () => {
    // 64 stored values through rescale 2 / -30 and a 40-entry 16-bit ramp from first mapped 0, with a window present too.
    const stored = Array.from({ length: 64 }, (_, i) => i * 3);
    const data = Array.from({ length: 40 }, (_, i) => Math.round((i / 39) ** 2 * 65535));
    const file = await scratch.write('voi-lut.dcm', imageFixture({ rows: 8, columns: 8, bitsAllocated: 16, frames: [stored], extra: { RescaleSlope: 2, RescaleIntercept: -30, WindowCenter: 100, WindowWidth: 50, ...voiLut(0, data, 16) } }));
    const ours = await rendered(readFileSync(file));
    const out = path.join(scratch.path, 'pydicom.u8');
    const run = spawnSync(python, [path.join(projectRoot, 'core', 'render', 'pydicom_reference.py')], {
      input: JSON.stringify([{ file, frame: 1, window: null, rescale: ours.applied.rescale, voiLut: true, out }]),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ ok: true, shape: [8, 8] });
    expect([...ours.pixels]).toEqual([...readFileSync(out)]);
  });
});
