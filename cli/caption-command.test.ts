import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFolder } from '../core/model/config';
import { tinyRandomDir } from '../core/model/test-models';
import { writeTestImages, type TestImages } from './assistant-test-images';
import { vesalius } from './test-run';

let dir: string;
let images: TestImages;
let env: NodeJS.ProcessEnv;
const tiny = loadModelFolder(tinyRandomDir);
/** Each run starts a CLI process and (for most) a worker that loads the model: seconds each on a busy machine. */
const SLOW = 240_000;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vesalius-caption-cli-'));
  images = await writeTestImages(dir);
  env = { VESALIUS_HOME: path.join(dir, 'home') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface CaptionJson {
  file: string;
  frame: number;
  caption: string;
  model: string;
  version: string;
  tokens: number;
  forcedTokens: number;
  probability: number;
  ms: number;
  input: string;
}

describe('vesalius caption (tiny-random)', () => {
  it('captions a CT DICOM file read as HU, its header facts forcing the caption to start with them', async () => {
    const run = await vesalius(['caption', images.ct, '--model', tinyRandomDir, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as CaptionJson;
    expect(doc).toMatchObject({ file: images.ct, frame: 1, model: 'tiny-random', version: tiny.config.version, input: 'CT: HU = stored × 1 + -1024' });
    expect(typeof doc.caption).toBe('string');
    expect(doc.tokens).toBeLessThanOrEqual(tiny.config.max_caption_tokens);
    expect(doc.probability).toBeGreaterThanOrEqual(0);
    expect(doc.probability).toBeLessThanOrEqual(1);
    if (tiny.config.header_fusion && tiny.config.caption_prefix_slots?.[0] === 'modality') {
      // Modality CT and an axial ImageOrientationPatient: a caption never contradicts the header.
      expect(doc.caption).toMatch(tiny.config.caption_prefix_slots[1] === 'plane' ? /^ct, axial,/ : /^ct,/);
      expect(doc.forcedTokens).toBeGreaterThan(0);
    }
  }, SLOW);

  it('captions a PNG and a JPEG (no header: nothing forced), printing the caption alone', async () => {
    for (const file of [images.huPng, images.jpeg]) {
      const run = await vesalius(['caption', file, '--model', tinyRandomDir], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.endsWith('\n')).toBe(true);
      expect(run.stdout.trim().split('\n').length).toBeLessThanOrEqual(1);
    }
  }, SLOW);

  it('refuses what is not an image, a SEG, broken pixel data, a folder and a missing file, naming the file', async () => {
    const cases: [string, RegExp][] = [
      [images.text, /notes\.txt: not an image: neither DICOM, PNG nor JPEG/],
      [images.seg, /mask-seg\.dcm: DICOM SEG/],
      [images.shortPixels, /short\.dcm: Pixel Data \(7FE0,0010\) holds 4 bytes/],
      [path.dirname(images.ct), /images: is a folder; give one image file/],
      [path.join(dir, 'missing.dcm'), /missing\.dcm: cannot access it: /],
      [images.tooWide, /too-wide\.png: the image is 4100 × 2 pixels; the assistant takes images up to 4096 pixels a side/],
    ];
    for (const [file, reason] of cases) {
      const run = await vesalius(['caption', file, '--model', tinyRandomDir], env);
      expect(run.code, file).toBe(1);
      expect(run.stderr).toMatch(reason);
      expect(run.stdout).toBe('');
    }
  }, SLOW);

  it('names the broken file of a model folder, and usage errors exit 2', async () => {
    const broken = path.join(dir, 'broken-model');
    await cp(tinyRandomDir, broken, { recursive: true });
    await writeFile(path.join(broken, 'config.json'), '{ not json');
    const run = await vesalius(['caption', images.ct, '--model', broken], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/broken-model: config\.json: is not valid JSON/);

    const unknown = await vesalius(['caption', images.ct, '--model', 'no-such-model'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--model no-such-model: no such folder, and no bundled or user model of that name/);

    const usage = await vesalius(['caption'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/give the image to caption\nUsage: vesalius caption/);
  }, SLOW);
});
