import { describe, expect, it } from 'vitest';
import { inspectFile } from '../dicom/inspect-file';
import { scratchFolder } from '../fixtures/scratch-folder';
import { floatImageFixture } from './render-fixtures';
import { openImage, renderFrame, type RenderedFrame, type RenderOptions } from './render-frame';

// Expected values worked out by hand: LINEAR_EXACT (PS3.3 C.11.2.1.3.2) y = ((x - c) / w + 0.5) × 255;
// LINEAR (C.11.2.1.2.1) band c - 0.5 ± (w - 1) / 2, y = ((x - (c - 0.5)) / (w - 1) + 0.5) × 255.

async function rendered(bytes: Uint8Array, options?: RenderOptions): Promise<RenderedFrame> {
  const result = await renderFrame(bytes, options);
  if (!result.ok) throw new Error(`expected a rendering, got: ${result.reason}`);
  return result;
}

async function refusal(bytes: Uint8Array): Promise<string> {
  const result = await renderFrame(bytes);
  if (result.ok) throw new Error('expected a refusal');
  return result.reason;
}

const scratch = scratchFolder('render-float');

describe('real-valued images (parametric maps)', () => {
  it('Float Pixel Data without a window: the range of its values, mapped exactly (a range of 1 is not a threshold)', async () => {
    // range 0 .. 1 → C 0.5 W 1, LINEAR_EXACT: 0.25 → 63.75 → 64; 0.5 → 127.5 → 128
    const out = await rendered(floatImageFixture({ rows: 2, columns: 2, bits: 32, frames: [[0, 0.25, 0.5, 1]] }));
    expect([...out.pixels]).toEqual([0, 64, 128, 255]);
    expect(out.applied.window).toEqual({ center: 0.5, width: 1, source: 'data-range', function: 'LINEAR_EXACT' });
    expect(out.applied.pixelData).toBe('float32');
    expect(out.applied.photometric).toBe('MONOCHROME2');
  });

  it('Double Float Pixel Data (implicit VR) with the file window; NaN shows black and stays out of the range', async () => {
    // C 100 W 201: band -0.5 .. 199.5; 50 → ((50 - 99.5) / 200 + 0.5) × 255 = 64.39 → 64
    const bytes = floatImageFixture({ rows: 1, columns: 4, bits: 64, syntax: 'implicit-le', frames: [[-100, Number.NaN, 50, 300]], extra: { WindowCenter: 100, WindowWidth: 201 } });
    const out = await rendered(bytes);
    expect([...out.pixels]).toEqual([0, 0, 64, 255]);
    expect(out.applied.window).toMatchObject({ center: 100, width: 201, source: 'file', function: 'LINEAR' });
    expect(out.applied.pixelData).toBe('float64');
  });

  it('a data range ignores infinities and NaN', async () => {
    // finite range 10 .. 110 → C 60 W 100, exactly: 35 → ((35 - 60) / 100 + 0.5) × 255 = 63.75 → 64
    const out = await rendered(floatImageFixture({ rows: 1, columns: 5, bits: 32, frames: [[10, 35, 110, Number.POSITIVE_INFINITY, Number.NaN]] }));
    expect([...out.pixels]).toEqual([0, 64, 255, 0, 0]);
    expect(out.applied.window).toMatchObject({ center: 60, width: 100, source: 'data-range', function: 'LINEAR_EXACT' });
  });

  it('explicit VR big endian gives the same pixels as little endian', async () => {
    const frames = [[-2.5, 0, 7.25, 1000]];
    const le = await rendered(floatImageFixture({ rows: 2, columns: 2, bits: 32, frames }));
    const be = await rendered(floatImageFixture({ rows: 2, columns: 2, bits: 32, frames, syntax: 'explicit-be' }));
    expect([...be.pixels]).toEqual([...le.pixels]);
    expect(le.applied.window).toEqual(be.applied.window);
  });

  it('multi-frame: each frame is its own values; the frame count comes from Number of Frames', async () => {
    const bytes = floatImageFixture({ rows: 1, columns: 2, bits: 64, frames: [[0, 1], [5, 10]] });
    const opened = await openImage(bytes);
    expect(opened.ok && opened.numberOfFrames).toBe(2);
    const second = await rendered(bytes, { frame: 2 });
    expect([...second.pixels]).toEqual([0, 255]);
    expect(second.applied.window).toMatchObject({ center: 7.5, width: 5 });
    expect((await renderFrame(bytes, { frame: 3 })).ok).toBe(false);
  });

  it('a user window replaces the data range', async () => {
    const out = await rendered(floatImageFixture({ rows: 1, columns: 2, bits: 32, frames: [[0, 2]] }), { window: { center: 1, width: 2, source: 'user' } });
    expect(out.applied.window).toMatchObject({ center: 1, width: 2, source: 'user' });
    expect([...out.pixels]).toEqual([0, 255]);
  });

  it('refuses a Bits Allocated that contradicts the element, naming both', async () => {
    const reason = await refusal(floatImageFixture({ rows: 1, columns: 2, bits: 32, frames: [[0, 1]], extra: { BitsAllocated: 16 } }));
    expect(reason).toBe('Float Pixel Data (7FE0,0008) holds 32-bit values, but Bits Allocated (0028,0100) is 16');
  });

  it('refuses float pixel data shorter than rows × columns × frames needs, with both byte counts', async () => {
    const reason = await refusal(floatImageFixture({ rows: 2, columns: 2, bits: 64, frames: [[1, 2]] }));
    expect(reason).toBe('Double Float Pixel Data (7FE0,0009) holds 16 bytes, but 2 × 2 × 1 frame(s) × 64 bits need 32');
  });

  it('refuses more than one sample per pixel', async () => {
    const reason = await refusal(floatImageFixture({ rows: 1, columns: 2, bits: 32, frames: [[0, 1]], extra: { SamplesPerPixel: 3 } }));
    expect(reason).toContain('Samples per Pixel (0028,0002) is 3');
  });

  it('the index accepts them as images (float and double, little and big endian)', async () => {
    for (const [bits, syntax] of [[32, 'explicit-le'], [64, 'implicit-le'], [32, 'explicit-be']] as const) {
      const file = await scratch.write(`map-${bits}-${syntax}.dcm`, floatImageFixture({ rows: 2, columns: 2, bits, syntax, frames: [[0, 1, 2, 3]] }));
      const outcome = await inspectFile(file);
      expect(outcome.kind === 'instance' && outcome.record.instance).toMatchObject({ rows: 2, columns: 2, numberOfFrames: 1 });
    }
  });

  it('the index reads the transfer syntax of a map whose float pixel element runs past the header prefix (was "transfer syntax (empty)")', async () => {
    const values = Array.from({ length: 256 * 256 }, (_, i) => i / 7);
    const file = await scratch.write('map-large.dcm', floatImageFixture({ rows: 256, columns: 256, bits: 32, frames: [values] }));
    const outcome = await inspectFile(file);
    expect(outcome.kind === 'instance' ? outcome.record.instance : outcome.error).toMatchObject({ rows: 256, columns: 256, transferSyntaxUid: '1.2.840.10008.1.2.1' });
  });
});
