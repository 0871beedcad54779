import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFixture } from '../core/render/render-fixtures';
import { runCli } from './main';
import { vesalius } from './test-run';

interface RenderJson {
  rendered: Array<{ file: string; output: string; frame: number; numberOfFrames: number; rows: number; columns: number; photometric: string; transferSyntax: { uid: string; name: string }; window: { center: number; width: number; source: string; function: string } | null; rescale: { slope: number; intercept: number } | null; inverted: boolean }>;
  failed: Array<{ file: string; frame?: number; reason: string }>;
  skipped: Array<{ file: string; reason: string }>;
}

let dir: string;
let ct: string;
let multi: string;
let colour: string;
let short: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vesalius-render-cli-'));
  await mkdir(path.join(dir, 'images', 'nested'), { recursive: true });
  ct = path.join(dir, 'images', 'ct.dcm');
  // HU -1000, 40, 1000 (stored + intercept -1024); window C 40 W 400 → band -160.5 .. 238.5: 40 → ((40 - 39.5) / 399 + 0.5) × 255 = 127.82 → 128
  await writeFile(ct, imageFixture({ rows: 1, columns: 3, bitsAllocated: 16, signed: true, frames: [[24, 1064, 2024]], extra: { RescaleIntercept: -1024, RescaleSlope: 1, WindowCenter: 40, WindowWidth: 400, Modality: 'CT' } }));
  multi = path.join(dir, 'images', 'nested', 'cine.dcm');
  await writeFile(multi, imageFixture({ rows: 1, columns: 2, bitsAllocated: 8, frames: [[0, 10], [20, 30], [40, 50]], extra: { WindowCenter: 128, WindowWidth: 256 } }));
  colour = path.join(dir, 'images', 'photo');
  await writeFile(colour, imageFixture({ rows: 1, columns: 1, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'RGB', frames: [[9, 99, 199]] }));
  short = path.join(dir, 'images', 'short.dcm');
  await writeFile(short, imageFixture({ rows: 4, columns: 4, bitsAllocated: 16, frames: [[1, 2]] }));
  await writeFile(path.join(dir, 'images', 'notes.txt'), 'not an image\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readPng = (file: string): PNG => PNG.sync.read(readFileSync(file));

describe('vesalius render', () => {
  it('renders one file with its own window; --json says what was applied', async () => {
    const out = path.join(dir, 'ct.png');
    const run = await vesalius(['render', ct, '--out', out, '--json'], {});
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as RenderJson;
    expect(doc.failed).toEqual([]);
    expect(doc.rendered).toHaveLength(1);
    expect(doc.rendered[0]).toMatchObject({
      file: ct, output: out, frame: 1, numberOfFrames: 1, rows: 1, columns: 3, photometric: 'MONOCHROME2',
      transferSyntax: { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian' },
      window: { center: 40, width: 400, source: 'file', function: 'LINEAR' }, rescale: { slope: 1, intercept: -1024 }, inverted: false,
    });
    const png = readPng(out);
    expect([png.width, png.height]).toEqual([3, 1]);
    // pngjs reads back RGBA: grey in R, G and B.
    expect([png.data[0], png.data[4], png.data[8]]).toEqual([0, 128, 255]);
  });

  it('--preset and --window replace the file window', async () => {
    const out = path.join(dir, 'ct-lung.png');
    const lung = JSON.parse((await vesalius(['render', ct, '--preset', 'lung', '--out', out, '--json'], {})).stdout) as RenderJson;
    expect(lung.rendered[0].window).toMatchObject({ center: -600, width: 1500, source: 'preset' });
    // -1000 HU in C -600 W 1500: ((-1000 + 600.5) / 1499 + 0.5) × 255 = 59.54 → 60
    expect(readPng(out).data[0]).toBe(60);
    const user = JSON.parse((await vesalius(['render', ct, '--window', '0,2000', '--out', out, '--json'], {})).stdout) as RenderJson;
    expect(user.rendered[0].window).toMatchObject({ center: 0, width: 2000, source: 'user' });
  });

  it('--frame N renders that frame of a multi-frame file', async () => {
    const out = path.join(dir, 'frame3.png');
    const run = await vesalius(['render', multi, '--frame', '3', '--out', out], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('frame 3/3');
    const png = readPng(out);
    expect([png.data[0], png.data[4]]).toEqual([40, 50]);
  });

  it('a folder: one PNG per frame at the file\'s relative path, not-images skipped, a bad image named with its reason, exit 1', async () => {
    const out = path.join(dir, 'out');
    const run = await vesalius(['render', path.join(dir, 'images'), '--out', out, '--json'], {});
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as RenderJson;
    expect(doc.rendered.map((r) => path.relative(out, r.output)).sort()).toEqual(
      ['ct.png', 'nested/cine-f0001.png', 'nested/cine-f0002.png', 'nested/cine-f0003.png', 'photo.png'].map((p) => p.split('/').join(path.sep)),
    );
    expect(doc.failed).toEqual([{ file: short, reason: expect.stringMatching(/Pixel Data \(7FE0,0010\) .*4 bytes/) }]);
    expect(doc.skipped.map((s) => path.basename(s.file))).toEqual(['notes.txt']);
    const files = await readdir(out, { recursive: true });
    expect(files.filter((f) => f.endsWith('.png'))).toHaveLength(5);
    const photo = readPng(path.join(out, 'photo.png'));
    expect([...photo.data.subarray(0, 3)]).toEqual([9, 99, 199]);
    const cine2 = readPng(path.join(out, 'nested', 'cine-f0002.png'));
    expect([cine2.data[0], cine2.data[4]]).toEqual([20, 30]);
  });

  it('a bad file on its own: exit 1 and its reason on stdout, naming the file', async () => {
    const run = await vesalius(['render', short, '--out', path.join(dir, 'short.png')], {});
    expect(run.code).toBe(1);
    // The index refuses it first, with its own words (core/dicom/describe-instance).
    expect(run.stdout).toMatch(/short\.dcm: Pixel Data \(7FE0,0010\) holds 4 bytes but .*needs 32/);
    const notDicom = await vesalius(['render', path.join(dir, 'images', 'notes.txt'), '--out', path.join(dir, 'n.png')], {});
    expect(notDicom.code).toBe(1);
    expect(notDicom.stdout).toMatch(/notes\.txt: no "DICM" marker/);
  });

  it('usage errors exit 2', async () => {
    for (const args of [
      ['render', ct],
      ['render', '--out', 'x.png'],
      ['render', ct, '--out', 'x.png', '--window', '40'],
      ['render', ct, '--out', 'x.png', '--window', '40,0'],
      ['render', ct, '--out', 'x.png', '--preset', 'nope'],
      ['render', ct, '--out', 'x.png', '--frame', '0'],
      ['render', path.join(dir, 'missing.dcm'), '--out', 'x.png'],
    ]) {
      let stderr = '';
      const code = await runCli(args, { stdout: () => undefined, stderr: (t) => (stderr += t) });
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(/vesalius render: /);
    }
  });
});
