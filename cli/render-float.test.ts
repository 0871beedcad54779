import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatImageFixture } from '../core/render/render-fixtures';
import { vesalius } from './test-run';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vesalius-render-float-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vesalius render on real-valued images (parametric maps)', () => {
  it('maps Float Pixel Data onto 8 bits with the range of its values, and says so', async () => {
    const file = path.join(dir, 'map.dcm');
    // range 0 .. 2 → C 1 W 2 exactly: 0.5 → ((0.5 - 1) / 2 + 0.5) × 255 = 63.75 → 64; 1 → 127.5 → 128
    await writeFile(file, floatImageFixture({ rows: 1, columns: 4, bits: 32, frames: [[0, 0.5, 1, 2]] }));
    const out = path.join(dir, 'map.png');
    const run = await vesalius(['render', file, '--out', out, '--json'], {});
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { rendered: Array<Record<string, unknown>>; failed: unknown[] };
    expect(doc.failed).toEqual([]);
    expect(doc.rendered[0]).toMatchObject({ photometric: 'MONOCHROME2', pixelData: 'float32', window: { center: 1, width: 2, source: 'data-range', function: 'LINEAR_EXACT' } });
    const png = PNG.sync.read(readFileSync(out));
    expect([png.data[0], png.data[4], png.data[8], png.data[12]]).toEqual([0, 64, 128, 255]);
  });

  it('refuses Double Float Pixel Data that contradicts its Bits Allocated, naming the file and both tags', async () => {
    const file = path.join(dir, 'bad-map.dcm');
    await writeFile(file, floatImageFixture({ rows: 1, columns: 2, bits: 64, frames: [[0, 1]], extra: { BitsAllocated: 32 } }));
    const run = await vesalius(['render', file, '--out', path.join(dir, 'bad.png'), '--json'], {});
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as { failed: Array<{ file: string; reason: string }> };
    expect(doc.failed).toEqual([{ file, reason: 'Double Float Pixel Data (7FE0,0009) holds 64-bit values, but Bits Allocated (0028,0100) is 32' }]);
  });
});
