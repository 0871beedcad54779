// The one pure entry of core/render: a DICOM file's bytes → one frame as 8-bit grey or RGB pixels,
// with what was applied. No file system, no globals besides the lazily loaded codecs, so it can run
// in a worker with limits.
import type { DataSet, Element } from 'dicom-parser';
import { chooseVoiWindow, effectiveVoiFunction, voiFunctionOf, type VoiFunction } from '../imaging/voi';
import { EXPLICIT_BE, EXPLICIT_LE, DEFLATED_LE, IMPLICIT_LE, RLE_LOSSLESS, transferSyntaxName } from '../dicom/transfer-syntax';
import { codecNameFor, decodeCompressed } from './codecs';
import { codestreamSize } from './codestream-size';
import { paletteBytes, rgbBytes } from './colour';
import { greyBytes, modalityOutputRange, storedRange, type ModalityTransform } from './grey';
import { readGreyPipeline, readModalityLut, readPalette, readPixelLayout, readVoiLut, type Lut, type Photometric, type PixelLayout } from './image-attributes';
import { loadImageDataset, type LoadedImage } from './load-dataset';
import { encapsulatedFrame, nativeFrame, PIXEL_DATA_LABEL } from './pixel-frames';
import { finiteRange, floatFrameValues, isFloatPixelTag, readFloatLayout } from './float-frame';
import { RenderRefusal, thrownText } from './render-refusal';
import { formatBytes } from '../fs/size-text';
import { decodeRleFrame } from './rle-decode';
import { storedValues, type RawSamples } from './stored-values';

/** Default cap on any one declared size (pixel data, an inflated data set, a frame's working memory). */
export const DEFAULT_RENDER_MAX_BYTES = 2 * 2 ** 30;

export type WindowSource = 'file' | 'data-range' | 'user' | 'preset';

export interface RenderOptions {
  /** 1-based, as DICOM numbers frames (default 1). */
  frame?: number;
  /** A window to use instead of the file's (grey-scale images only). */
  window?: { center: number; width: number; source: 'user' | 'preset' };
  /** Cap on declared sizes, in bytes (default 2 GiB). */
  maxBytes?: number;
}

/** A lookup table as --json reports it. */
export interface LutSummary {
  entries: number;
  firstMapped: number;
  bitsPerEntry: number;
}

export interface AppliedRendering {
  frame: number;
  numberOfFrames: number;
  rows: number;
  columns: number;
  photometric: Photometric;
  transferSyntax: { uid: string; name: string };
  /** Null for colour images (no VOI applies) and where the VOI LUT Sequence's table was applied instead. */
  window: { center: number; width: number; source: WindowSource; function: VoiFunction } | null;
  /** The VOI LUT Sequence (0028,3010) table applied (the file has one and no window was asked for). */
  voiLut?: LutSummary;
  /** Null for colour images, and where the Modality LUT Sequence maps stored values instead. */
  rescale: { slope: number; intercept: number } | null;
  /** The Modality LUT Sequence (0028,3000) table applied, if the file has one. */
  modalityLut: LutSummary | null;
  inverted: boolean;
  /** What the samples were: integers (Pixel Data) unless said (Float / Double Float Pixel Data). */
  pixelData?: 'float32' | 'float64';
}

export interface RenderedFrame {
  ok: true;
  /** Row-major 8-bit pixels: one byte per pixel (grey) or three (RGB). */
  pixels: Uint8Array;
  channels: 1 | 3;
  width: number;
  height: number;
  applied: AppliedRendering;
}

export interface RenderFailure {
  ok: false;
  /** What is wrong and where (tag, byte offset, frame); the caller adds the file's name. */
  reason: string;
}

export const NATIVE_SYNTAXES = new Set([IMPLICIT_LE, EXPLICIT_LE, DEFLATED_LE, EXPLICIT_BE]);
const MIB = 2 ** 20;

/** Renders frame `options.frame` of a DICOM file. Never throws: every failure is a reason. */
export async function renderFrame(file: Uint8Array | OpenedImage, options: RenderOptions = {}): Promise<RenderedFrame | RenderFailure> {
  try {
    return await render(file instanceof Uint8Array ? await loadImageDataset(file, options.maxBytes ?? DEFAULT_RENDER_MAX_BYTES) : file.image, options);
  } catch (e) {
    return failureOf(e);
  }
}

/** A file parsed once (header, pixel data element; a deflated data set inflated), to render several frames of. */
export interface OpenedImage {
  ok: true;
  image: LoadedImage;
  numberOfFrames: number;
}

/** Parses a file for renderFrame without rendering it; its frame count from Number of Frames (0028,0008). */
export async function openImage(fileBytes: Uint8Array, options: Pick<RenderOptions, 'maxBytes'> = {}): Promise<OpenedImage | RenderFailure> {
  try {
    const image = await loadImageDataset(fileBytes, options.maxBytes ?? DEFAULT_RENDER_MAX_BYTES);
    const numberOfFrames = isFloatPixelTag(image.pixelElement.tag) ? readFloatLayout(image.dataSet, image.pixelElement).numberOfFrames : readPixelLayout(image.dataSet).numberOfFrames;
    return { ok: true, image, numberOfFrames };
  } catch (e) {
    return failureOf(e);
  }
}

function failureOf(e: unknown): RenderFailure {
  if (e instanceof RenderRefusal) return { ok: false, reason: e.reason };
  return { ok: false, reason: `unexpected failure while rendering: ${thrownText(e)}` };
}

async function render(image: LoadedImage, options: RenderOptions): Promise<RenderedFrame> {
  const maxBytes = options.maxBytes ?? DEFAULT_RENDER_MAX_BYTES;
  const { dataSet, byteArray, pixelElement, transferSyntaxUid } = image;
  if (isFloatPixelTag(pixelElement.tag)) return renderFloat(image, options);
  const layout = readPixelLayout(dataSet);
  const frameIndex = checkedFrameIndex(options.frame ?? 1, layout.numberOfFrames);
  const frameNumber = frameIndex + 1;
  checkDeclaredSizes(layout, maxBytes);

  const decoded = await decodeFrame(dataSet, byteArray, pixelElement, transferSyntaxUid, layout, frameIndex);
  const pixelCount = layout.rows * layout.columns;
  const values = storedValues(decoded.raw, pixelCount);
  const photometric = decoded.photometric;
  const base = {
    frame: frameNumber,
    numberOfFrames: layout.numberOfFrames,
    rows: layout.rows,
    columns: layout.columns,
    photometric: layout.photometric,
    transferSyntax: { uid: transferSyntaxUid, name: transferSyntaxName(transferSyntaxUid) },
  };
  const result = (pixels: Uint8Array, channels: 1 | 3, applied: AppliedRendering): RenderedFrame => ({ ok: true, pixels, channels, width: layout.columns, height: layout.rows, applied });

  if (photometric === 'PALETTE COLOR') {
    return result(paletteBytes(values, readPalette(dataSet, layout)), 3, { ...base, window: null, rescale: null, modalityLut: null, inverted: false });
  }
  if (layout.samplesPerPixel === 3) {
    if (photometric !== 'RGB' && photometric !== 'YBR_FULL' && photometric !== 'YBR_FULL_422') {
      throw new RenderRefusal(`${photometric} pixel data in ${transferSyntaxName(transferSyntaxUid)} is not rendered (it exists only inside JPEG / JPEG 2000 codestreams)`);
    }
    return result(rgbBytes(values, decoded.raw.bitsStored, photometric !== 'RGB'), 3, { ...base, window: null, rescale: null, modalityLut: null, inverted: false });
  }

  const pipeline = readGreyPipeline(dataSet, frameIndex);
  // Rescale and the Modality LUT Sequence exclude each other (PS3.3 C.11.1); a table wins only without rescale values.
  const lut = pipeline.hasRescale ? null : readModalityLut(dataSet, layout);
  const modality: ModalityTransform = lut ? { kind: 'lut', lut } : { kind: 'rescale', slope: pipeline.slope, intercept: pipeline.intercept };
  const outputRange = modalityOutputRange(storedRange(values), modality);
  const invert = layout.photometric === 'MONOCHROME1';
  const applied = {
    ...base,
    rescale: modality.kind === 'rescale' ? { slope: modality.slope, intercept: modality.intercept } : null,
    modalityLut: modality.kind === 'lut' ? lutSummary(modality.lut) : null,
    inverted: invert,
  };
  // The file's VOI LUT Sequence, when no window is asked for, wins over its window values (as pydicom's apply_voi_lut by default).
  const voiLut = options.window ? null : readVoiLut(dataSet, outputRange.min < 0);
  if (voiLut) {
    return result(greyBytes(values, { modality, voi: { kind: 'lut', lut: voiLut }, invert }), 1, { ...applied, window: null, voiLut: lutSummary(voiLut) });
  }
  const chosen = options.window
    ? { center: options.window.center, width: options.window.width, source: options.window.source as WindowSource }
    : chooseVoiWindow(pipeline.windowCenters, pipeline.windowWidths, outputRange);
  const voiFunction = effectiveVoiFunction(voiFunctionOf(pipeline.voiFunction), chosen.width);
  const pixels = greyBytes(values, { modality, voi: { kind: 'window', window: chosen, voiFunction }, invert });
  return result(pixels, 1, { ...applied, window: { center: chosen.center, width: chosen.width, source: chosen.source, function: voiFunction } });
}

const lutSummary = (lut: Lut): LutSummary => ({ entries: lut.entries.length, firstMapped: lut.firstMapped, bitsPerEntry: lut.bitsPerEntry });

/** The 0-based index of 1-based frame `frameNumber`, refused past the image's frames. */
export function checkedFrameIndex(frameNumber: number, numberOfFrames: number): number {
  if (!Number.isInteger(frameNumber) || frameNumber < 1 || frameNumber > numberOfFrames) {
    throw new RenderRefusal(`there is no frame ${frameNumber}: the image has ${numberOfFrames} frame(s) (Number of Frames (0028,0008))`);
  }
  return frameNumber - 1;
}

/**
 * A real-valued image (Float / Double Float Pixel Data, e.g. a parametric map): rescale when the
 * file gives one (pydicom's apply_modality_lut does too), the file's window, else the range of its
 * finite values; NaN and infinities black. Native little or big endian only: these elements are
 * never encapsulated.
 */
function renderFloat(image: LoadedImage, options: RenderOptions): RenderedFrame {
  const { dataSet, byteArray, pixelElement, transferSyntaxUid } = image;
  const layout = readFloatLayout(dataSet, pixelElement);
  if (!NATIVE_SYNTAXES.has(transferSyntaxUid)) {
    throw new RenderRefusal(`${layout.label} is stored natively, but the transfer syntax is ${transferSyntaxName(transferSyntaxUid)}`);
  }
  const frameIndex = checkedFrameIndex(options.frame ?? 1, layout.numberOfFrames);
  const maxBytes = options.maxBytes ?? DEFAULT_RENDER_MAX_BYTES;
  const declared = layout.rows * layout.columns * layout.numberOfFrames * layout.bytesPerValue;
  if (declared > maxBytes) {
    throw new RenderRefusal(`the declared ${layout.label} (${layout.rows} × ${layout.columns} × ${layout.numberOfFrames} frame(s) × ${layout.bytesPerValue * 8} bits = ${declared} bytes) is above the cap of ${formatBytes(maxBytes)}`);
  }
  const values = floatFrameValues(byteArray, pixelElement, layout, frameIndex, transferSyntaxUid !== EXPLICIT_BE);
  const pipeline = readGreyPipeline(dataSet, frameIndex);
  const modality: ModalityTransform = { kind: 'rescale', slope: pipeline.slope, intercept: pipeline.intercept };
  const chosen = options.window
    ? { center: options.window.center, width: options.window.width, source: options.window.source as WindowSource }
    : chooseVoiWindow(pipeline.windowCenters, pipeline.windowWidths, modalityOutputRange(finiteRange(values), modality));
  const voiFunction = effectiveVoiFunction(voiFunctionOf(pipeline.voiFunction), chosen.width, chosen.source === 'data-range');
  const pixels = greyBytes(values, { modality, voi: { kind: 'window', window: chosen, voiFunction }, invert: false });
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) pixels[i] = 0;
  return {
    ok: true,
    pixels,
    channels: 1,
    width: layout.columns,
    height: layout.rows,
    applied: {
      frame: frameIndex + 1,
      numberOfFrames: layout.numberOfFrames,
      rows: layout.rows,
      columns: layout.columns,
      photometric: 'MONOCHROME2',
      transferSyntax: { uid: transferSyntaxUid, name: transferSyntaxName(transferSyntaxUid) },
      window: { center: chosen.center, width: chosen.width, source: chosen.source, function: voiFunction },
      rescale: { slope: modality.slope, intercept: modality.intercept },
      modalityLut: null,
      inverted: false,
      pixelData: layout.bytesPerValue === 4 ? 'float32' : 'float64',
    },
  };
}

/** Declared sizes against the cap, before anything is allocated for them. */
export function checkDeclaredSizes(layout: PixelLayout, maxBytes: number): void {
  const pixels = layout.rows * layout.columns;
  const frameBytes = (pixels * layout.samplesPerPixel * layout.bitsAllocated) / 8;
  const totalBytes = frameBytes * layout.numberOfFrames;
  if (totalBytes > maxBytes) {
    throw new RenderRefusal(
      `the declared pixel data (${layout.rows} × ${layout.columns} × ${layout.numberOfFrames} frame(s) × ${layout.samplesPerPixel} sample(s) × ${layout.bitsAllocated} bits = ${Math.ceil(totalBytes)} bytes) is above the cap of ${formatBytes(maxBytes)}`,
    );
  }
  // Working memory for one frame: 8 bytes per stored value.
  const working = pixels * layout.samplesPerPixel * 8;
  if (working > maxBytes) {
    throw new RenderRefusal(`one ${layout.rows} × ${layout.columns} frame needs ${working} bytes to render, above the cap of ${formatBytes(maxBytes)}`);
  }
}

export interface DecodedFrame {
  raw: RawSamples;
  /** What the samples are after decoding (a JPEG codec hands back YBR as RGB). */
  photometric: Photometric;
}

export async function decodeFrame(
  dataSet: DataSet,
  byteArray: Uint8Array,
  element: Element,
  transferSyntaxUid: string,
  layout: PixelLayout,
  frameIndex: number,
): Promise<DecodedFrame> {
  const frameLabel = `frame ${frameIndex + 1}`;
  const common = { samplesPerPixel: layout.samplesPerPixel, bitsStored: layout.bitsStored, highBit: layout.highBit, signed: layout.signed };
  const encapsulated = element.length === 0xffffffff;

  if (NATIVE_SYNTAXES.has(transferSyntaxUid)) {
    if (encapsulated) throw new RenderRefusal(`${PIXEL_DATA_LABEL} is encapsulated (undefined length), but ${transferSyntaxName(transferSyntaxUid)} stores pixels natively`);
    const frame = nativeFrame(byteArray, element, layout, frameIndex);
    let bytes = frame.bytes;
    const bigEndian = transferSyntaxUid === EXPLICIT_BE;
    // Big endian OW holds 8-bit samples in 16-bit words: swap each pair back (PS3.5 A.3 / 8.1.1).
    if (bigEndian && layout.bitsAllocated === 8 && element.vr === 'OW') bytes = swapPairs(bytes);
    return {
      raw: { ...common, bytes, bitOffset: frame.bitOffset, bitsAllocated: layout.bitsAllocated, littleEndian: !bigEndian, planar: layout.planarConfiguration, ybr422: layout.photometric === 'YBR_FULL_422' },
      photometric: layout.photometric,
    };
  }
  if (!encapsulated) {
    throw new RenderRefusal(`${PIXEL_DATA_LABEL} has a defined length (${element.length} bytes), but ${transferSyntaxName(transferSyntaxUid)} needs encapsulated pixel data`);
  }
  const encoded = encapsulatedFrame(dataSet, byteArray, element, layout.numberOfFrames, frameIndex);

  if (transferSyntaxUid === RLE_LOSSLESS) {
    const bytesPerSample = layout.bitsAllocated / 8;
    if (!Number.isInteger(bytesPerSample)) throw new RenderRefusal(`RLE with Bits Allocated ${layout.bitsAllocated} is not rendered`);
    let bytes: Uint8Array;
    try {
      bytes = decodeRleFrame(encoded, layout.rows * layout.columns, layout.samplesPerPixel, bytesPerSample);
    } catch (e) {
      throw new RenderRefusal(`RLE decoding failed on ${frameLabel}: ${e instanceof RenderRefusal ? e.reason : thrownText(e)}`);
    }
    return {
      raw: { ...common, bytes, bitOffset: 0, bitsAllocated: layout.bitsAllocated, littleEndian: true, planar: 1, ybr422: false },
      photometric: layout.photometric === 'YBR_FULL_422' ? 'YBR_FULL' : layout.photometric,
    };
  }

  const codecName = codecNameFor(transferSyntaxUid);
  if (!codecName) throw new RenderRefusal(`transfer syntax ${JSON.stringify(transferSyntaxUid)} (${transferSyntaxName(transferSyntaxUid)}) has no decoder here`);
  // The stream's own size first: the codec allocates for that, whatever the header says.
  const declared = codestreamSize(codecName, encoded);
  if (declared && (declared.width !== layout.columns || declared.height !== layout.rows || declared.components !== layout.samplesPerPixel)) {
    throw new RenderRefusal(
      `the ${codecName} stream of ${frameLabel} declares ${declared.width} × ${declared.height} × ${declared.components} sample(s), but the header says ${layout.columns} × ${layout.rows} × ${layout.samplesPerPixel} (not decoded)`,
    );
  }
  let output;
  try {
    output = await decodeCompressed(transferSyntaxUid, encoded, layout.bitsAllocated, layout.photometric);
  } catch (e) {
    throw new RenderRefusal(`${e instanceof RenderRefusal ? e.reason.replace(/ failed: /, ` failed on ${frameLabel}: `) : `${codecName} decoder failed on ${frameLabel}: ${thrownText(e)}`}`);
  }
  if (output.width !== layout.columns || output.height !== layout.rows || output.componentCount !== layout.samplesPerPixel) {
    throw new RenderRefusal(
      `${codecName} ${frameLabel} decodes to ${output.width} × ${output.height} × ${output.componentCount} sample(s), but the header says ${layout.columns} × ${layout.rows} × ${layout.samplesPerPixel}`,
    );
  }
  const container = output.bitsPerSample > 8 ? 16 : 8;
  const expected = layout.rows * layout.columns * layout.samplesPerPixel * (container / 8);
  if (output.bytes.length < expected) {
    throw new RenderRefusal(`${codecName} ${frameLabel} decodes to ${output.bytes.length} bytes, ${expected} expected`);
  }
  // The codec's samples are right-aligned in their container: keep the larger of its precision and Bits Stored.
  const bitsStored = Math.min(container, Math.max(layout.bitsStored, output.bitsPerSample));
  const ybrInCodestream = layout.photometric.startsWith('YBR');
  return {
    raw: { ...common, bytes: output.bytes, bitOffset: 0, bitsAllocated: container, bitsStored, highBit: bitsStored - 1, littleEndian: true, planar: 0, ybr422: false },
    photometric: ybrInCodestream && output.colourIsRgb ? 'RGB' : layout.photometric === 'YBR_FULL_422' ? 'YBR_FULL' : layout.photometric,
  };
}

function swapPairs(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    out[i] = bytes[i + 1];
    out[i + 1] = bytes[i];
  }
  return out;
}
