import { PNG } from 'pngjs';
import type { LabelVolume } from '../metrics/types';
import { MaskReadError } from './mask-error';
import { checkPngImageData } from './png-image-data';
import { pngWords } from './png-words';

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export const isPngBytes = (bytes: Uint8Array): boolean => pngSignature.every((b, i) => bytes[i] === b);

/** Largest PNG accepted (pixels): a header claiming more is refused before anything is decoded (decompression bombs). */
export const MAX_PNG_PIXELS = 16384 * 16384;
/** Most bytes the decoder's RGBA output may take (4 samples a pixel, 1 or 2 bytes a sample): an 8-bit 16384² image, a 16-bit 11585². */
export const MAX_PNG_DECODED_BYTES = 2 ** 30;

/** A grayscale PNG's raw sample values: 16-bit images keep their 16-bit values (never rescaled). */
export interface GrayPng {
  width: number;
  height: number;
  bitDepth: number;
  values: Uint8Array | Uint16Array;
}

/** Width and height from the IHDR chunk (bytes 16–23), checked before decoding. */
function headerSize(bytes: Uint8Array, source: string): { width: number; height: number } {
  if (bytes.length < 24) throw new MaskReadError(source, 'corrupt PNG (shorter than its header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0) throw new MaskReadError(source, `corrupt PNG (header says ${width} × ${height} pixels)`);
  if (width * height > MAX_PNG_PIXELS) {
    throw new MaskReadError(source, `PNG of ${width} × ${height} pixels is over the ${MAX_PNG_PIXELS}-pixel limit`);
  }
  // pngjs hands back RGBA at 8 or 16 bits a sample, whatever the file stores: a 16-bit 16384² gray
  // image would take 2 GiB there (plus its inflated rows), past the cap + 300 MB a reader may use.
  const bytesPerSample = bytes.length > 24 && bytes[24] > 8 ? 2 : 1;
  const decodedBytes = width * height * 4 * bytesPerSample;
  if (decodedBytes > MAX_PNG_DECODED_BYTES) {
    throw new MaskReadError(source, `PNG of ${width} × ${height} pixels at ${bytes[24]} bits decodes to ${decodedBytes} bytes of RGBA, over the ${MAX_PNG_DECODED_BYTES / 2 ** 30} GiB limit`);
  }
  return { width, height };
}

/** A PNG's samples as pngjs hands them back: RGBA, 8-bit values (a Uint8Array) or 16-bit ones (a Uint16Array). */
export interface RgbaPng {
  width: number;
  height: number;
  /** The file's bit depth (1, 2, 4, 8 or 16); 16-bit samples are kept as they are (never rescaled), lower ones come as 8-bit values. */
  depth: number;
  /** Four samples a pixel (alpha 255 or 65535 where the file has none), row-major. */
  rgba: Uint8Array | Uint16Array;
}

/**
 * Decodes any PNG to RGBA after the size checks (signature, declared size, inflated image data):
 * the one decoding path of label masks, dataset images and the assistant's image input.
 */
export function decodePngRgba(bytes: Uint8Array, source: string): RgbaPng {
  if (!isPngBytes(bytes)) throw new MaskReadError(source, 'not a PNG file (signature missing)');
  headerSize(bytes, source);
  checkPngImageData(bytes, source);
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (e) {
    throw new MaskReadError(source, `corrupt PNG (${pngWords(e)})`);
  }
  const { width, height } = png;
  // pngjs always hands back RGBA samples: a Buffer up to 8 bits, a Uint16Array at 16 bits.
  const rgba = png.data as Uint8Array | Uint16Array;
  if (rgba.length < width * height * 4) throw new MaskReadError(source, 'corrupt PNG (pixel data shorter than the image size)');
  return { width, height, depth: png.depth, rgba };
}

/**
 * Decodes a grayscale PNG. Palette and RGB images are accepted when every pixel has R = G = B (how label maps
 * saved as colour usually look); `what` names the image in the refusal ("a label mask", "a dataset image").
 */
export function decodeGrayPng(bytes: Uint8Array, source: string, what: string): GrayPng {
  const { width, height, depth, rgba } = decodePngRgba(bytes, source);
  const pixelCount = width * height;
  const values = depth === 16 ? new Uint16Array(pixelCount) : new Uint8Array(pixelCount);
  for (let i = 0; i < pixelCount; i++) {
    const r = rgba[i * 4];
    if (rgba[i * 4 + 1] !== r || rgba[i * 4 + 2] !== r) {
      const x = i % width;
      const y = Math.floor(i / width);
      throw new MaskReadError(
        source,
        `colour image with unequal channels at pixel (${x}, ${y}): RGB (${r}, ${rgba[i * 4 + 1]}, ${rgba[i * 4 + 2]}); ${what} must be grayscale`,
      );
    }
    values[i] = r;
  }
  return { width, height, bitDepth: depth, values };
}

/** Decodes a PNG label image into a depth-1 label volume (value = label). */
export function decodePngLabels(bytes: Uint8Array, source: string): LabelVolume {
  const { width, height, values } = decodeGrayPng(bytes, source, 'a label mask');
  return { data: values, shape: [width, height, 1], spacingMm: [1, 1, 1], source };
}
