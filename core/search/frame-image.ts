// One catalogued frame as the model's input image, through the project's one DICOM decoding path on a reader
// thread (core/sandbox: time and memory limits): CT as HU (the modality values of core/render's decoders, as
// the report's ROI statistics read them), every other image as `vesalius render` draws it (8-bit, the file's
// VOI LUT or window, colour kept) — the grey or RGB pixels a reader sees.
import type { RawImage } from '../model/preprocess';
import { decodePngRgba } from '../masks/png';
import type { ReaderSandbox } from '../sandbox/reader-sandbox';

export type FrameImage = { ok: true; image: RawImage } | { ok: false; reason: string };

/** Decodes frame `frame` (1-based) of a DICOM file of the given modality; never throws. */
export type DecodeFrame = (filePath: string, frame: number, modality: string) => Promise<FrameImage>;

/** RGBA samples as the model's `gray8` when every pixel is grey, else `rgb8` (alpha dropped). */
function imageOfRgba(width: number, height: number, rgba: Uint8Array): RawImage {
  const pixels = width * height;
  let grey = true;
  for (let p = 0; p < pixels && grey; p++) grey = rgba[p * 4] === rgba[p * 4 + 1] && rgba[p * 4] === rgba[p * 4 + 2];
  if (grey) {
    const data = new Uint8Array(pixels);
    for (let p = 0; p < pixels; p++) data[p] = rgba[p * 4];
    return { kind: 'gray8', width, height, data };
  }
  const data = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    data[p * 3] = rgba[p * 4];
    data[p * 3 + 1] = rgba[p * 4 + 1];
    data[p * 3 + 2] = rgba[p * 4 + 2];
  }
  return { kind: 'rgb8', width, height, data };
}

/** The decoder over a reader sandbox (the app service's own, so its threads and limits are shared). */
export function readerFrameDecoder(readers: Pick<ReaderSandbox, 'modalityFrame' | 'renderFile'>): DecodeFrame {
  return async (filePath, frame, modality) => {
    if (modality.toUpperCase() === 'CT') {
      const values = await readers.modalityFrame(filePath, frame);
      if (!values.ok) return values;
      return { ok: true, image: { kind: 'hu', width: values.columns, height: values.rows, data: values.values, slope: 1, intercept: 0 } };
    }
    const rendered = await readers.renderFile(filePath, [frame]);
    if (!rendered.ok) return rendered;
    const only = rendered.frames[0];
    if (!only) return { ok: false, reason: `frame ${frame} was not rendered` };
    if (!only.ok) return only;
    try {
      const png = decodePngRgba(only.png, filePath);
      if (!(png.rgba instanceof Uint8Array) || png.depth > 8) return { ok: false, reason: 'the rendered frame is not 8-bit' };
      return { ok: true, image: imageOfRgba(png.width, png.height, png.rgba) };
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  };
}
