import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { labelPng } from '../masks/mask-fixtures';
import { encodePng } from '../render/png-output';
import { imageFixture } from '../render/render-fixtures';
import { modelInputOf, type ModelInput } from './model-input';

const accepted = (input: ModelInput): Extract<ModelInput, { ok: true }> => {
  if (!input.ok) throw new Error(`refused: ${input.reason}`);
  return input;
};

describe('modelInputOf: DICOM', () => {
  it('reads a grey CT frame as HU through its rescale, with the header tags the header facts read', async () => {
    const bytes = imageFixture({
      rows: 1,
      columns: 3,
      bitsAllocated: 16,
      signed: true,
      frames: [[24, 1064, 2024]],
      extra: {
        Modality: 'CT',
        RescaleIntercept: -1024,
        RescaleSlope: 1,
        WindowCenter: 40,
        WindowWidth: 400,
        ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
        BodyPartExamined: 'CHEST ',
        ContrastBolusAgent: 'Iohexol',
        StudyDescription: 'CT THORAX',
        SeriesDescription: `axial 1mm ${'x'.repeat(80)}`,
      },
    });
    const input = accepted(await modelInputOf(bytes));
    expect(input.format).toBe('dicom');
    expect(input.image.kind).toBe('hu');
    expect([input.image.width, input.image.height]).toEqual([3, 1]);
    // HU = stored + (−1024), never the display window.
    expect(Array.from(input.image.data)).toEqual([-1000, 40, 1000]);
    expect(input.image).toMatchObject({ slope: 1, intercept: 0 });
    expect(input.header).toEqual({
      modality: 'CT',
      bodyPartExamined: 'CHEST',
      imageOrientationPatient: [1, 0, 0, 0, 1, 0],
      contrastBolusAgent: 'Iohexol',
      studyDescription: 'CT THORAX',
      // Cut to the contract's 64 characters (an LO value's most).
      seriesDescription: `axial 1mm ${'x'.repeat(54)}`,
    });
    expect(input.how).toBe('CT: HU = stored × 1 + -1024');
  });

  it('reads other grey images as the viewer renders them (the file window; MONOCHROME1 inverted) as gray8', async () => {
    // Window C 128 W 256 over 8-bit values maps each value onto itself (linear, PS3.3 C.11.2.1.2).
    const mr = accepted(await modelInputOf(imageFixture({ rows: 1, columns: 3, bitsAllocated: 8, frames: [[0, 100, 255]], extra: { Modality: 'MR', WindowCenter: 128, WindowWidth: 256 } })));
    expect(mr.image.kind).toBe('gray8');
    expect(Array.from(mr.image.data)).toEqual([0, 100, 255]);
    expect(mr.header).toEqual({ modality: 'MR' });

    const inverted = accepted(
      await modelInputOf(imageFixture({ rows: 1, columns: 2, bitsAllocated: 8, photometric: 'MONOCHROME1', frames: [[0, 255]], extra: { Modality: 'DX', WindowCenter: 128, WindowWidth: 256 } })),
    );
    expect(Array.from(inverted.image.data)).toEqual([255, 0]);
    expect(inverted.how).toMatch(/inverted/);
  });

  it('reads colour as rgb8 and a chosen frame of a multi-frame file', async () => {
    const colour = accepted(await modelInputOf(imageFixture({ rows: 1, columns: 1, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'RGB', frames: [[9, 99, 199]] })));
    expect(colour.image.kind).toBe('rgb8');
    expect(Array.from(colour.image.data)).toEqual([9, 99, 199]);

    const cine = imageFixture({ rows: 1, columns: 2, bitsAllocated: 8, frames: [[0, 10], [20, 30], [40, 50]], extra: { WindowCenter: 128, WindowWidth: 256 } });
    const second = accepted(await modelInputOf(cine, 2));
    expect(second.numberOfFrames).toBe(3);
    expect(Array.from(second.image.data)).toEqual([20, 30]);
    expect(await modelInputOf(cine, 4)).toEqual({ ok: false, reason: expect.stringMatching(/there is no frame 4: the image has 3 frame\(s\)/) });
  });

  it('refuses bytes that are no image, and a DICOM file whose pixel data is short, with the reason', async () => {
    expect(await modelInputOf(new TextEncoder().encode('just some text, not an image at all'))).toEqual({ ok: false, reason: expect.stringMatching(/DICM/) });
    const short = await modelInputOf(imageFixture({ rows: 4, columns: 4, bitsAllocated: 16, frames: [[1, 2]], extra: { Modality: 'MR' } }));
    expect(short.ok).toBe(false);
  });
});

describe('modelInputOf: PNG and JPEG', () => {
  it('reads 8-bit grey PNG as gray8 and 16-bit grey PNG as CT values HU + 1024', async () => {
    const grey = accepted(await modelInputOf(labelPng(3, 1, [0, 128, 255])));
    expect(grey).toMatchObject({ format: 'png', header: null, numberOfFrames: 1, image: { kind: 'gray8', width: 3, height: 1 } });
    expect(Array.from(grey.image.data)).toEqual([0, 128, 255]);

    const ct = accepted(await modelInputOf(labelPng(2, 1, [24, 2024], 16)));
    expect(ct.image).toMatchObject({ kind: 'hu', width: 2, height: 1, slope: 1, intercept: -1024 });
    expect(Array.from(ct.image.data)).toEqual([24, 2024]);
  });

  it('reads colour PNG as rgb8, and colour with equal channels as gray8', async () => {
    const colour = accepted(await modelInputOf(encodePng(Uint8Array.from([255, 0, 0, 0, 0, 255]), 2, 1, 3)));
    expect(colour.image.kind).toBe('rgb8');
    expect(Array.from(colour.image.data)).toEqual([255, 0, 0, 0, 0, 255]);
    const greyAsColour = accepted(await modelInputOf(encodePng(Uint8Array.from([7, 7, 7, 200, 200, 200]), 2, 1, 3)));
    expect(greyAsColour.image.kind).toBe('gray8');
    expect(Array.from(greyAsColour.image.data)).toEqual([7, 200]);
  });

  it('reads a JPEG (grey content as gray8, at its size) and refuses a truncated one', async () => {
    const width = 16;
    const height = 8;
    const rgba = new Uint8Array(width * height * 4).fill(255);
    for (let i = 0; i < width * height; i++) rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = i % width < 8 ? 40 : 220;
    const jpeg = new Uint8Array(encodeJpeg({ width, height, data: rgba }, 95).data);
    const input = accepted(await modelInputOf(jpeg));
    expect(input).toMatchObject({ format: 'jpeg', header: null, image: { width, height } });
    // Lossy: the two halves stay far apart, within a few levels of what was written.
    expect(Math.abs(input.image.data[input.image.kind === 'rgb8' ? 3 * 2 : 2] - 40)).toBeLessThan(8);
    const truncated = await modelInputOf(jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    expect(truncated).toEqual({ ok: false, reason: expect.stringMatching(/^the JPEG cannot be decoded/) });
  });

  it('refuses a frame other than 1 of a PNG', async () => {
    expect(await modelInputOf(labelPng(1, 1, [0]), 2)).toEqual({ ok: false, reason: 'a PNG image has one frame, not frame 2' });
  });
});
