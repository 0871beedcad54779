import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFolder } from '../core/model/config';
import { tinyRandomDir } from '../core/model/test-models';
import { writeTestImages, type TestImages } from './assistant-test-images';
import { vesalius } from './test-run';

let dir: string;
let images: TestImages;
let env: NodeJS.ProcessEnv;
const tiny = loadModelFolder(tinyRandomDir);
/** Each run starts a CLI process and a worker that loads the model: seconds each on a busy machine. */
const SLOW = 240_000;

interface SegmentJson {
  model: string;
  version: string;
  prompt: string;
  segmented: Array<{ file: string; frame: number; output: string; width: number; height: number; present: boolean; presence: number | null; probability: number | null; pixels: number }>;
  failed: Array<{ file: string; reason: string }>;
  skipped: Array<{ file: string; reason: string }>;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vesalius-segment-cli-'));
  images = await writeTestImages(dir);
  env = { VESALIUS_HOME: path.join(dir, 'home') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The PNG's grey values (pngjs reads back RGBA) and size. */
async function readMask(file: string): Promise<{ width: number; height: number; values: number[] }> {
  const png = PNG.sync.read(await readFile(file));
  const values: number[] = [];
  for (let i = 0; i < png.width * png.height; i++) values.push(png.data[i * 4]);
  return { width: png.width, height: png.height, values };
}

describe('vesalius segment (tiny-random)', () => {
  it('writes one 8-bit mask per image of a folder at its own size, 255 inside and 0 outside; --json per image', async () => {
    const folder = path.join(dir, 'mixed');
    await mkdir(folder);
    for (const file of [images.ct, images.cine, images.huPng, images.colourPng, images.jpeg, images.text]) await copyFile(file, path.join(folder, path.basename(file)));
    const out = path.join(dir, 'masks');
    const run = await vesalius(['segment', folder, '--prompt', ' Lung ', '--out', out, '--model', tinyRandomDir, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as SegmentJson;
    expect(doc).toMatchObject({ model: 'tiny-random', version: tiny.config.version, prompt: 'lung', failed: [] });
    expect(doc.skipped).toEqual([{ file: path.join(folder, 'notes.txt'), reason: expect.stringMatching(/not an image/) }]);
    // A multi-frame file gives a mask per frame.
    expect((await readdir(out)).sort()).toEqual(['chest-ct.png', 'cine-f0001.png', 'cine-f0002.png', 'cine-f0003.png', 'photo.png', 'slice.png', 'xray.png']);
    const sizes: Record<string, [number, number]> = { 'chest-ct.png': [40, 30], 'cine-f0002.png': [12, 10], 'slice.png': [32, 16], 'photo.png': [18, 14], 'xray.png': [24, 16] };
    for (const [name, [width, height]] of Object.entries(sizes)) {
      const mask = await readMask(path.join(out, name));
      expect([mask.width, mask.height], name).toEqual([width, height]);
      expect(mask.values.every((v) => v === 0 || v === 255), name).toBe(true);
      const entry = doc.segmented.find((s) => s.output === path.join(out, name));
      expect(entry, name).toMatchObject({ width, height, pixels: mask.values.filter((v) => v === 255).length });
      expect(typeof entry?.present).toBe('boolean');
      if (tiny.config.presence_threshold === undefined) expect(entry?.presence).toBeNull();
      else expect(entry?.presence).toEqual(expect.any(Number));
      // An empty mask is "not present"; the mean probability is only over pixels inside.
      if (entry?.pixels === 0) expect(entry.probability).toBeNull();
      if (entry && !entry.present) expect(entry.pixels).toBe(0);
    }
    expect(doc.segmented.filter((s) => s.file === path.join(folder, 'cine.dcm')).map((s) => s.frame)).toEqual([1, 2, 3]);
  }, SLOW);

  it('refuses an unknown prompt before any work, naming the prompts the model segments, and a folder without images', async () => {
    const out = path.join(dir, 'never');
    const run = await vesalius(['segment', images.ct, '--prompt', 'heart', '--out', out, '--model', tinyRandomDir], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`vesalius segment: unknown prompt "heart"; this model segments: ${tiny.config.segment_prompts.join(', ')}\n`);
    expect(existsSync(out)).toBe(false);

    const emptyFolder = path.join(dir, 'no-images');
    await mkdir(emptyFolder);
    await copyFile(images.text, path.join(emptyFolder, 'readme.txt'));
    const none = await vesalius(['segment', emptyFolder, '--prompt', 'lung', '--out', out, '--model', tinyRandomDir], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no images \(DICOM, PNG or JPEG\) under .*no-images \(1 other file\(s\) skipped\)/);
    expect(existsSync(out)).toBe(false);
  }, SLOW);

  it('refuses two inputs that would write the same mask, naming both, and writes nothing', async () => {
    await mkdir(path.join(dir, 'a'), { recursive: true });
    await mkdir(path.join(dir, 'b'), { recursive: true });
    await copyFile(images.ct, path.join(dir, 'a', 'case1.dcm'));
    await copyFile(images.huPng, path.join(dir, 'b', 'case1.png'));
    const out = path.join(dir, 'clash');
    const run = await vesalius(['segment', path.join(dir, 'a'), path.join(dir, 'b'), '--prompt', 'lung', '--out', out, '--model', tinyRandomDir], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/a\/case1\.dcm and .*b\/case1\.png would both write .*clash\/case1\.png/);
    expect(existsSync(out)).toBe(false);
  }, SLOW);

  it('segments the good images given and names each bad one with its reason (exit 1)', async () => {
    const out = path.join(dir, 'partly');
    const run = await vesalius(['segment', images.mr, images.text, images.seg, images.shortPixels, '--prompt', tiny.config.segment_prompts[0], '--out', out, '--model', tinyRandomDir], env);
    expect(run.code).toBe(1);
    expect(await readdir(out)).toEqual(['head-mr.png']);
    expect(run.stdout).toMatch(/Not segmented \(3\):/);
    expect(run.stdout).toMatch(/notes\.txt: not an image/);
    expect(run.stdout).toMatch(/mask-seg\.dcm: DICOM SEG/);
    expect(run.stdout).toMatch(/short\.dcm: Pixel Data \(7FE0,0010\) holds 4 bytes/);
    expect(run.stdout).toMatch(/1 mask\(s\) written for "lung"; 3 failed; 0 skipped\./);
  }, SLOW);
});
