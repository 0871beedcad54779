// The compressed transfer syntaxes, decoded with the codec packages the viewer's cornerstone loader
// uses (wasm/JS, loaded in Node on first use and kept). Each returns the frame's samples as the codec
// gives them: pixel-interleaved, little endian, 1 byte per sample up to 8 bits, else 2.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RenderRefusal, thrownText } from './render-refusal';

export interface CodecOutput {
  bytes: Uint8Array;
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  /** True when the codec has already turned YBR into RGB (JPEG baseline/extended, JPEG 2000, HTJ2K). */
  colourIsRgb: boolean;
}

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): FrameInfo;
  decode(): void;
  delete?(): void;
}

type DecoderClass = new () => WasmDecoder;
interface CodecModule {
  [decoderName: string]: unknown;
  getExceptionMessage?: (pointer: number) => string;
}

// Made on first use, not at load: a bundle of the reader threads evaluates this module for its mask tasks too,
// and a bundler may leave import.meta.url without a value there.
let requireCodec: NodeJS.Require | null = null;
const codecRequire = (): NodeJS.Require => (requireCodec ??= createRequire(import.meta.url));

/** The codecs, by the name a person reads in an error. */
const WASM_CODECS = {
  'JPEG baseline': { module: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', decoder: 'JPEGDecoder', colourIsRgb: true },
  'JPEG-LS': { module: '@cornerstonejs/codec-charls/decodewasmjs', decoder: 'JpegLSDecoder', colourIsRgb: false },
  'JPEG 2000': { module: '@cornerstonejs/codec-openjpeg/decodewasmjs', decoder: 'J2KDecoder', colourIsRgb: true },
  HTJ2K: { module: '@cornerstonejs/codec-openjph/wasmjs', decoder: 'HTJ2KDecoder', colourIsRgb: true },
} as const;
type WasmCodecName = keyof typeof WASM_CODECS;

const loaded = new Map<WasmCodecName, Promise<CodecModule>>();

/**
 * The codecs print progress and errors to the console ("[INFO] Header of tile 1 / 1 has been read");
 * nothing of that reaches a person: errors are kept here for the refusal of the frame being decoded.
 */
let codecErrors: string[] = [];
const keepErrors = (line: string): void => {
  if (/error/i.test(line) && codecErrors.length < 8) codecErrors.push(line.replace(/^\[ERROR\]\s*/, '').trim());
};
const codecConsole = { print: keepErrors, printErr: keepErrors };

function loadWasmCodec(name: WasmCodecName): Promise<CodecModule> {
  let module = loaded.get(name);
  if (!module) {
    const exported = codecRequire()(WASM_CODECS[name].module) as ((options: object) => Promise<CodecModule>) | { default: (options: object) => Promise<CodecModule> };
    const factory = typeof exported === 'function' ? exported : exported.default;
    // A fresh object each time: emscripten makes it the module itself, so sharing one would merge the codecs.
    module = factory({ ...codecConsole });
    loaded.set(name, module);
    module.catch(() => loaded.delete(name));
  }
  return module;
}

function codecError(codecName: string, e: unknown, module?: CodecModule): string {
  let words = typeof e === 'number' && module?.getExceptionMessage ? module.getExceptionMessage(e) : thrownText(e);
  if (typeof e === 'number' && codecErrors.length > 0) words = codecErrors.join('; ');
  // An emscripten C++ exception with nothing said: a pointer, not a message.
  else if (typeof e === 'number' && !module?.getExceptionMessage) words = 'the codec stopped on an internal error (the compressed data is corrupt or cut short)';
  return `${codecName} decoder failed: ${words}`;
}

async function decodeWithWasm(name: WasmCodecName, encoded: Uint8Array): Promise<CodecOutput> {
  let module: CodecModule;
  try {
    module = await loadWasmCodec(name);
  } catch (e) {
    throw new RenderRefusal(`the ${name} decoder could not be started: ${thrownText(e)}`);
  }
  const Decoder = module[WASM_CODECS[name].decoder] as DecoderClass;
  const decoder = new Decoder();
  codecErrors = [];
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    if (codecErrors.length > 0 && !(info.width > 0 && info.height > 0)) throw new Error(codecErrors.join('; '));
    // A copy: the codec's buffer lives in wasm memory and is reused by the next decode.
    const bytes = decoder.getDecodedBuffer().slice();
    return { bytes, width: info.width, height: info.height, bitsPerSample: info.bitsPerSample, componentCount: info.componentCount, colourIsRgb: WASM_CODECS[name].colourIsRgb };
  } catch (e) {
    throw new RenderRefusal(codecError(name, e, module));
  } finally {
    decoder.delete?.();
  }
}

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array;
  numComp?: number;
  precision?: number;
  xDim?: number;
  yDim?: number;
}

async function decodeJpegLossless(encoded: Uint8Array, bytesPerSample: 1 | 2): Promise<CodecOutput> {
  let Decoder: new () => LosslessDecoder;
  try {
    Decoder = (await import('@cornerstonejs/jpeg-lossless-decoder-js')).Decoder as unknown as new () => LosslessDecoder;
  } catch (e) {
    throw new RenderRefusal(`the JPEG lossless decoder could not be started: ${thrownText(e)}`);
  }
  try {
    const decoder = new Decoder();
    // A copy into a buffer of its own (Buffer#slice would be a view of the whole file's buffer, read from 0).
    const copy = new Uint8Array(encoded);
    const out = decoder.decode(copy.buffer, 0, copy.length, bytesPerSample);
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    return {
      bytes,
      width: decoder.xDim ?? 0,
      height: decoder.yDim ?? 0,
      bitsPerSample: bytesPerSample * 8,
      componentCount: decoder.numComp ?? 1,
      colourIsRgb: false,
    };
  } catch (e) {
    throw new RenderRefusal(codecError('JPEG lossless', e));
  }
}

interface JpegImage {
  parse(data: Uint8Array): void;
  colorTransform?: boolean;
  width: number;
  height: number;
  components?: unknown[];
  numComponents?: number;
  getData(width: number, height: number): Uint8Array;
  getData16(width: number, height: number): Uint16Array;
}

// cornerstone's loader decodes 12-bit JPEG (Extended, 1.2.840.10008.1.2.4.51) with the pdf.js JPEG
// decoder it ships; its package exports do not list that file, so it is found beside the package.json.
let jpegImageClass: Promise<new () => JpegImage> | null = null;
function loadJpeg12(): Promise<new () => JpegImage> {
  jpegImageClass ??= (async () => {
    const root = path.dirname(codecRequire().resolve('@cornerstonejs/dicom-image-loader/package.json'));
    const url = pathToFileURL(path.join(root, 'dist', 'esm', 'codecs', 'jpeg.js')).href;
    return ((await import(url)) as { default: new () => JpegImage }).default;
  })();
  return jpegImageClass;
}

/** 12-bit JPEG, or 8-bit RGB without a colour transform (libjpeg-turbo would convert it from YCbCr). */
async function decodeWithJpegJs(encoded: Uint8Array, bitsAllocated: number): Promise<CodecOutput> {
  let JpegImageClass: new () => JpegImage;
  try {
    JpegImageClass = await loadJpeg12();
  } catch (e) {
    jpegImageClass = null;
    throw new RenderRefusal(`the pdf.js JPEG decoder could not be started: ${thrownText(e)}`);
  }
  try {
    const jpeg = new JpegImageClass();
    jpeg.parse(encoded);
    jpeg.colorTransform = false;
    const components = jpeg.numComponents ?? jpeg.components?.length ?? 1;
    const data = bitsAllocated > 8 ? jpeg.getData16(jpeg.width, jpeg.height) : jpeg.getData(jpeg.width, jpeg.height);
    return {
      bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: jpeg.width,
      height: jpeg.height,
      bitsPerSample: bitsAllocated > 8 ? 16 : 8,
      componentCount: components,
      colourIsRgb: false,
    };
  } catch (e) {
    throw new RenderRefusal(codecError('JPEG (pdf.js)', e));
  }
}

interface JpegHeader {
  precision: number | null;
  jfif: boolean;
  /** The Adobe APP14 colour transform flag (0: none, 1: YCbCr, 2: YCCK); null without the marker. */
  adobeTransform: number | null;
  componentIds: number[];
}

/** What the JPEG's markers before the first scan say about precision and colour. */
function readJpegHeader(encoded: Uint8Array): JpegHeader {
  const header: JpegHeader = { precision: null, jfif: false, adobeTransform: null, componentIds: [] };
  for (let i = 2; i + 4 <= encoded.length; ) {
    if (encoded[i] !== 0xff) break;
    const marker = encoded[i + 1];
    const length = (encoded[i + 2] << 8) | encoded[i + 3];
    const body = encoded.subarray(i + 4, i + 2 + length);
    if (marker === 0xe0 && String.fromCharCode(...body.subarray(0, 4)) === 'JFIF') header.jfif = true;
    if (marker === 0xee && body.length >= 12 && String.fromCharCode(...body.subarray(0, 5)) === 'Adobe') header.adobeTransform = body[11];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc && body.length >= 6) {
      header.precision = body[0];
      for (let k = 0; k < body[5] && 6 + k * 3 < body.length; k++) header.componentIds.push(body[6 + k * 3]);
    }
    if (marker === 0xda) break;
    i += 2 + length;
  }
  return header;
}

/**
 * Whether a 3-component JPEG holds RGB without a colour transform. The DICOM header says RGB (PS3.5
 * 8.2.1: no transform applied) and the stream says nothing else: no JFIF (which means YCbCr), no
 * Adobe transform, and not the component ids 1, 2, 3 that YCbCr writers use (libjpeg's own
 * heuristic; a file labelled RGB with YCbCr ids and tables is a YCbCr stream mislabelled).
 */
const isUntransformedRgb = (header: JpegHeader, photometric: string): boolean =>
  photometric === 'RGB' &&
  header.componentIds.length === 3 &&
  !header.jfif &&
  header.adobeTransform === null &&
  header.componentIds.join(',') !== '1,2,3';

export const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
export const JPEG_EXTENDED = '1.2.840.10008.1.2.4.51';

/** Which codec decodes a compressed transfer syntax (null: none here). */
export function codecNameFor(transferSyntaxUid: string): string | null {
  switch (transferSyntaxUid) {
    case JPEG_BASELINE:
    case JPEG_EXTENDED:
      return 'JPEG';
    case '1.2.840.10008.1.2.4.57':
    case '1.2.840.10008.1.2.4.70':
      return 'JPEG lossless';
    case '1.2.840.10008.1.2.4.80':
    case '1.2.840.10008.1.2.4.81':
      return 'JPEG-LS';
    case '1.2.840.10008.1.2.4.90':
    case '1.2.840.10008.1.2.4.91':
      return 'JPEG 2000';
    case '1.2.840.10008.1.2.4.201':
    case '1.2.840.10008.1.2.4.202':
    case '1.2.840.10008.1.2.4.203':
      return 'HTJ2K';
    default:
      return null;
  }
}

/** Decodes one compressed frame. Refuses (RenderRefusal) with the codec named when it fails. */
export async function decodeCompressed(transferSyntaxUid: string, encoded: Uint8Array, bitsAllocated: number, photometric: string): Promise<CodecOutput> {
  switch (codecNameFor(transferSyntaxUid)) {
    case 'JPEG': {
      const header = readJpegHeader(encoded);
      if ((header.precision !== null && header.precision > 8) || isUntransformedRgb(header, photometric)) return decodeWithJpegJs(encoded, bitsAllocated);
      return decodeWithWasm('JPEG baseline', encoded);
    }
    case 'JPEG lossless':
      return decodeJpegLossless(encoded, bitsAllocated > 8 ? 2 : 1);
    case 'JPEG-LS':
      return decodeWithWasm('JPEG-LS', encoded);
    case 'JPEG 2000':
      return decodeWithWasm('JPEG 2000', encoded);
    case 'HTJ2K':
      return decodeWithWasm('HTJ2K', encoded);
    default:
      throw new RenderRefusal(`no decoder for transfer syntax ${transferSyntaxUid}`);
  }
}
