// `vesalius render` on 32-bit RGB (issue 9: RGB in every bit depth the standard allows): the generated
// colour bars (core/fixtures/colour-bars) in both byte orders (and deflated), both planar configurations and with
// Bits Stored below 32, pixel by pixel; and pydicom's reading of the same files, where Debian's
// python3-pydicom is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { colourBarAt, colourBarsFixture, storedForLevel, type ColourBarsSpec } from '../fixtures/colour-bars';
import { imageFixture } from './render-fixtures';
import { renderFrame, type RenderedFrame } from './render-frame';

const PYTHON = '/usr/bin/python3';
const pydicomProbe = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import pydicom, numpy'], { encoding: 'utf8' }) : null;
const havePydicom = pydicomProbe?.status === 0;
if (!havePydicom) console.warn(`render-rgb32: pydicom comparison skipped: ${PYTHON} with pydicom and numpy is not available (Debian: apt-get install python3-pydicom python3-numpy)`);

async function rendered(bytes: Uint8Array): Promise<RenderedFrame> {
  const result = await renderFrame(bytes);
  if (!result.ok) throw new Error(`expected a rendering, got: ${result.reason}`);
  return result;
}

/** The pixels that differ from the bars, as "(row, column): got not wanted" (the first few). */
function wrongBars(pixels: Uint8Array, rows: number, columns: number): string[] {
  const wrong: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const at = (r * columns + c) * 3;
      const got = [pixels[at], pixels[at + 1], pixels[at + 2]];
      const want = colourBarAt(c, columns);
      if (got.some((v, i) => v !== want[i]) && wrong.length < 5) wrong.push(`(${r}, ${c}): ${got} not ${want}`);
    }
  }
  return wrong;
}

const cases: ColourBarsSpec[] = [];
for (const syntax of ['explicit-le', 'implicit-le', 'explicit-be', 'deflate'] as const) {
  for (const planarConfiguration of [0, 1] as const) {
    cases.push({ bitsAllocated: 32, syntax, planarConfiguration });
    cases.push({ bitsAllocated: 32, bitsStored: 20, syntax, planarConfiguration, bitsAboveHighBit: true });
  }
}
const caseName = (spec: ColourBarsSpec) => `${spec.syntax}, planar ${spec.planarConfiguration}, ${spec.bitsStored ?? 32} bits stored${spec.bitsAboveHighBit ? ' (ones above High Bit)' : ''}`;

describe('vesalius render: 32-bit RGB scaled to 8 bits by Bits Stored', () => {
  for (const spec of cases) {
    it(`${caseName(spec)}: every pixel is its bar's colour`, async () => {
      const out = await rendered(colourBarsFixture(spec));
      expect([out.channels, out.width, out.height]).toEqual([3, 64, 16]);
      expect(out.applied.photometric).toBe('RGB');
      expect(out.applied.window).toBeNull();
      expect(wrongBars(out.pixels, 16, 64)).toEqual([]);
    });
  }

  it('a dark image stays dark (no stretching to the data range)', async () => {
    const low = storedForLevel(32, 32);
    const out = await rendered(imageFixture({ rows: 1, columns: 2, bitsAllocated: 32, samplesPerPixel: 3, photometric: 'RGB', syntax: 'explicit-be', frames: [[low, 0, 0, 0, low, low]] }));
    expect([...out.pixels]).toEqual([32, 0, 0, 0, 32, 32]);
  });

  it('16-bit RGB still renders the bars (both byte orders, planar 1)', async () => {
    for (const syntax of ['explicit-le', 'explicit-be'] as const) {
      expect(wrongBars((await rendered(colourBarsFixture({ bitsAllocated: 16, syntax, planarConfiguration: 1 }))).pixels, 16, 64)).toEqual([]);
    }
  });
});

describe.skipIf(!havePydicom)('pydicom reads the same colour bars', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vesalius-rgb32-pydicom-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pixel for pixel (both byte orders and planar configurations, 32 and 20 bits stored), after pydicom_reference.py scales its pixel_array by Bits Stored', async () => {
    // pydicom 2.3's pixel_array keeps the bits above High Bit (the standard has them ignored), so it reads
    // the bars without them: the same stored values, Bits Stored 20 included.
    const jobs = cases.map((spec) => ({ ...spec, bitsAboveHighBit: false })).map((spec, i) => {
      const file = path.join(dir, `bars-${i}.dcm`);
      writeFileSync(file, colourBarsFixture(spec));
      return { file, frame: 1, window: null, rescale: null, out: path.join(dir, `bars-${i}.u8`), spec };
    });
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pydicom_reference.py');
    const run = spawnSync(PYTHON, [script], { input: JSON.stringify(jobs.map(({ spec: _spec, ...job }) => job)), encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const results = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { index: number; ok: boolean; reason?: string });
    for (const result of results) {
      const job = jobs[result.index];
      expect(result.ok, `${caseName(job.spec)}: ${result.reason}`).toBe(true);
      const reference = new Uint8Array(readFileSync(job.out));
      const ours = (await rendered(readFileSync(job.file))).pixels;
      expect(wrongBars(reference, 16, 64), `pydicom, ${caseName(job.spec)}`).toEqual([]);
      expect(Buffer.from(ours).equals(Buffer.from(reference)), caseName(job.spec)).toBe(true);
    }
    expect(results).toHaveLength(jobs.length);
  });
});
