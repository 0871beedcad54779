// One image file (DICOM, PNG or JPEG) as the assistant's model takes it: the pixels of one frame as
// `hu` / `gray8` / `rgb8` plus, for DICOM, the raw header tags the header facts are read from
// (model folder layout 0.3). Runs on a reader thread (reader-tasks.ts `modelInput`): every byte here
// is untrusted, and the pool's time and memory limits stop a file that hangs or explodes.
import { decode as decodeJpeg } from 'jpeg-js';
import { isFloatPixelTag } from '../render/float-frame';
import { hasElement, textValue } from '../render/dicom-values';
import { readPixelLayout } from '../render/image-attributes';
import { RenderRefusal, thrownText } from '../render/render-refusal';
import { DEFAULT_RENDER_MAX_BYTES, openImage, renderFrame } from '../render/render-frame';
import { MaskReadError } from '../masks/mask-error';
import { decodePngRgba, isPngBytes, MAX_PNG_PIXELS } from '../masks/png';
import { DEFAULT_HU_OFFSET } from '../datasets/hu-offset';
import { HEADER_CODE_MAX, HEADER_TEXT_MAX, type ImageHeader } from '../contract/assistant';
import { orientationNumbers } from '../model/header-facts';
import { modalityFrame } from './modality-frame';

/** Where the header tags the header facts read (interface 0.3) are: the contract's names for them. */
const HEADER_TAGS = {
  modality: 'x00080060',
  bodyPartExamined: 'x00180015',
  contrastBolusAgent: 'x00180010',
  studyDescription: 'x00081030',
  seriesDescription: 'x0008103e',
} as const satisfies Record<Exclude<keyof ImageHeader, 'imageOrientationPatient'>, string>;
const IMAGE_ORIENTATION_PATIENT = 'x00200037';

/** The image fields of the worker's request (workers/inference/protocol.ts WorkerImage). */
export interface ModelInputImage {
  kind: 'hu' | 'gray8' | 'rgb8';
  width: number;
  height: number;
  data: Float32Array | Uint16Array | Uint8Array;
  slope?: number;
  intercept?: number;
}

export type ModelInputFormat = 'dicom' | 'png' | 'jpeg';

export type ModelInput =
  | {
      ok: true;
      format: ModelInputFormat;
      image: ModelInputImage;
      /** DICOM only, as the worker takes it; null for PNG / JPEG (no header: every header fact unknown). */
      header: ImageHeader | null;
      numberOfFrames: number;
      /** How the pixels were obtained, in words (for --json and messages). */
      how: string;
    }
  | { ok: false; reason: string };

const JPEG_MAX_MEGAPIXELS = MAX_PNG_PIXELS / 1e6;
const JPEG_MAX_MEMORY_MB = 1024;

const isJpegBytes = (bytes: Uint8Array): boolean => bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

/** The format by the first bytes (8 suffice): PNG and JPEG by their signatures, anything else is tried as DICOM. */
export const imageFormatOf = (bytes: Uint8Array): ModelInputFormat => (isPngBytes(bytes) ? 'png' : isJpegBytes(bytes) ? 'jpeg' : 'dicom');

/**
 * RGB(A) samples to the model's 8-bit kinds: `gray8` when every pixel has R = G = B (a grayscale image
 * saved as colour), else interleaved `rgb8`; alpha is dropped.
 */
function eightBitImage(width: number, height: number, samples: ArrayLike<number>, channels: 3 | 4): ModelInputImage {
  const pixelCount = width * height;
  let grey = true;
  for (let i = 0; i < pixelCount && grey; i++) {
    const r = samples[i * channels];
    grey = samples[i * channels + 1] === r && samples[i * channels + 2] === r;
  }
  if (grey) {
    const data = new Uint8Array(pixelCount);
    for (let i = 0; i < pixelCount; i++) data[i] = samples[i * channels];
    return { kind: 'gray8', width, height, data };
  }
  const data = new Uint8Array(pixelCount * 3);
  for (let i = 0; i < pixelCount; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = samples[i * channels + c];
  return { kind: 'rgb8', width, height, data };
}

/**
 * PNG: 8-bit grey or colour as `gray8` / `rgb8`; 16-bit grey as CT stored values HU + 1024 (the lung-ct
 * convention, core/datasets/png-dataset.ts), so `hu` with intercept −1024; 1/2/4-bit grey scaled to 0…255.
 */
function pngInput(bytes: Uint8Array): ModelInput {
  const { width, height, depth, rgba } = decodePngRgba(bytes, 'the PNG');
  const colourType = bytes[25];
  const isPalette = colourType === 3;
  if (depth === 16) {
    const pixelCount = width * height;
    const data = new Uint16Array(pixelCount);
    for (let i = 0; i < pixelCount; i++) {
      const r = rgba[i * 4];
      if (rgba[i * 4 + 1] !== r || rgba[i * 4 + 2] !== r) {
        return { ok: false, reason: `a 16-bit colour PNG (pixel (${i % width}, ${Math.floor(i / width)}) is not grey): only 16-bit grey PNGs (CT values HU + ${DEFAULT_HU_OFFSET}) are read` };
      }
      data[i] = r;
    }
    return { ok: true, format: 'png', image: { kind: 'hu', width, height, data, slope: 1, intercept: -DEFAULT_HU_OFFSET }, header: null, numberOfFrames: 1, how: `16-bit grey PNG read as CT: HU = value − ${DEFAULT_HU_OFFSET}` };
  }
  let samples: ArrayLike<number> = rgba;
  if (depth < 8 && !isPalette) {
    const scale = 255 / (2 ** depth - 1);
    samples = Uint8Array.from(rgba, (v, i) => (i % 4 === 3 ? v : Math.round(v * scale)));
  }
  const image = eightBitImage(width, height, samples, 4);
  return { ok: true, format: 'png', image, header: null, numberOfFrames: 1, how: `${depth}-bit ${isPalette ? 'palette' : image.kind === 'rgb8' ? 'colour' : 'grey'} PNG as ${image.kind}` };
}

function jpegInput(bytes: Uint8Array): ModelInput {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    // Not tolerant: a truncated or corrupt file is refused rather than read as a partly grey picture.
    decoded = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxResolutionInMP: JPEG_MAX_MEGAPIXELS, maxMemoryUsageInMB: JPEG_MAX_MEMORY_MB });
  } catch (e) {
    return { ok: false, reason: `the JPEG cannot be decoded (${thrownText(e)}); baseline and progressive JPEG are read` };
  }
  if (!(decoded.width > 0 && decoded.height > 0)) return { ok: false, reason: `the JPEG declares ${decoded.width} × ${decoded.height} pixels` };
  const image = eightBitImage(decoded.width, decoded.height, decoded.data, 3);
  return { ok: true, format: 'jpeg', image, header: null, numberOfFrames: 1, how: `JPEG as ${image.kind}` };
}

/**
 * The tags the file has, padding trimmed, each cut to its contract length (Modality is a 16-character CS, the
 * others 64-character LO); ImageOrientationPatient as its six numbers, left out when the header's text is not
 * six finite decimals (the rule then reads no plane, as from the text itself).
 */
function imageHeaderOf(dataSet: Parameters<typeof textValue>[0]): ImageHeader {
  const header: ImageHeader = {};
  for (const [name, tag] of Object.entries(HEADER_TAGS) as [keyof typeof HEADER_TAGS, string][]) {
    if (hasElement(dataSet, tag)) header[name] = textValue(dataSet, tag).slice(0, name === 'modality' ? HEADER_CODE_MAX : HEADER_TEXT_MAX);
  }
  const orientation = hasElement(dataSet, IMAGE_ORIENTATION_PATIENT) ? orientationNumbers(textValue(dataSet, IMAGE_ORIENTATION_PATIENT)) : null;
  if (orientation) header.imageOrientationPatient = orientation;
  return header;
}

/**
 * DICOM: a grey CT frame as HU (its stored values through the rescale or Modality LUT, core/sandbox's
 * modalityFrame); any other image as the viewer and `vesalius render` show it (the file's window, or
 * its data range; MONOCHROME1 inverted; colour, palette and YBR to RGB) as `gray8` / `rgb8`: the
 * model's non-CT training images are such 8-bit renderings.
 */
async function dicomInput(bytes: Uint8Array, frame: number): Promise<ModelInput> {
  const opened = await openImage(bytes, { maxBytes: DEFAULT_RENDER_MAX_BYTES });
  if (!opened.ok) return opened;
  const { dataSet, pixelElement } = opened.image;
  const header = imageHeaderOf(dataSet);
  const frames = opened.numberOfFrames;
  let grey: boolean;
  try {
    grey = isFloatPixelTag(pixelElement.tag) || (() => {
      const layout = readPixelLayout(dataSet);
      return layout.samplesPerPixel === 1 && layout.photometric !== 'PALETTE COLOR';
    })();
  } catch (e) {
    return { ok: false, reason: e instanceof RenderRefusal ? e.reason : thrownText(e) };
  }
  if (grey && (header.modality ?? '').trim().toUpperCase() === 'CT') {
    const values = await modalityFrame(bytes, frame);
    if (!values.ok) return values;
    const how = values.modalityLut ? 'CT: HU from the Modality LUT' : `CT: HU = stored × ${values.rescale?.slope ?? 1} + ${values.rescale?.intercept ?? 0}`;
    return { ok: true, format: 'dicom', image: { kind: 'hu', width: values.columns, height: values.rows, data: values.values, slope: 1, intercept: 0 }, header, numberOfFrames: frames, how };
  }
  const rendered = await renderFrame(opened, { frame });
  if (!rendered.ok) return rendered;
  const { width, height, pixels, channels, applied } = rendered;
  const image: ModelInputImage = channels === 3 ? { kind: 'rgb8', width, height, data: pixels } : { kind: 'gray8', width, height, data: pixels };
  const window = applied.window ? `, window C ${applied.window.center} W ${applied.window.width} (${applied.window.source})` : '';
  const how = `${header.modality || 'no modality'} ${applied.photometric} rendered to ${image.kind}${window}${applied.inverted ? ', inverted' : ''}`;
  return { ok: true, format: 'dicom', image, header, numberOfFrames: frames, how };
}

/**
 * Frame `frame` (1-based; PNG and JPEG have one) of an image file's bytes as model input. Never throws:
 * every refusal is a reason in words, without the file's name (the caller names it).
 */
export async function modelInputOf(bytes: Uint8Array, frame = 1): Promise<ModelInput> {
  const format = imageFormatOf(bytes);
  try {
    if (format !== 'dicom' && frame !== 1) return { ok: false, reason: `a ${format.toUpperCase()} image has one frame, not frame ${frame}` };
    if (format === 'png') return pngInput(bytes);
    if (format === 'jpeg') return jpegInput(bytes);
    return await dicomInput(bytes, frame);
  } catch (e) {
    if (e instanceof MaskReadError) return { ok: false, reason: e.reason };
    if (e instanceof RenderRefusal) return { ok: false, reason: e.reason };
    return { ok: false, reason: `unexpected failure while reading the image: ${thrownText(e)}` };
  }
}
