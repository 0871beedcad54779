import { describeLoadError } from './errors';
import { EXPLICIT_BE, knownTransferSyntaxName } from '../../../core/dicom/transfer-syntax';

/**
 * Why one image cannot be shown, in words a person can act on, and which file it came from.
 * The viewer keeps one of these per image id: a failure belongs to its image, never to the viewport.
 */
export interface ImageFailure {
  imageId: string;
  /** The file's name (its last path segment), shown on the image. */
  fileName: string;
  /** The whole reason with the full path, for the title attribute and the log. */
  detail: string;
  /** The short reason shown on the image and the thumbnail. */
  reason: string;
}

/** What the viewer knows about an image before decoding it (from the catalog), to name it in a reason. */
export interface ImageSource {
  path: string;
  transferSyntaxUid: string;
  /** 1-based frame of a multi-frame file, else null. */
  frame: number | null;
}

/** The syntax by name and UID, so a reason says "JPEG Baseline (1.2.840.10008.1.2.4.50)" and not only a UID. */
export const transferSyntaxName = (uid: string): string => {
  const name = knownTransferSyntaxName(uid);
  return name ? `${name} (${uid})` : uid ? `transfer syntax ${uid}` : 'an unnamed transfer syntax';
};

/** "the JPEG Baseline (…) decoder", or "the decoder" when the file names no transfer syntax. */
const decoderOf = (uid: string): string => (uid ? `the ${transferSyntaxName(uid)} decoder` : 'the decoder (the file names no transfer syntax)');

/** The decoded image as the loader hands it over: enough to tell whether the viewport can draw it. */
export interface DecodedImageShape {
  rows: number;
  columns: number;
  /** Samples the viewport will read per pixel (1 grey, 3 RGB, 4 RGBA). */
  numberOfComponents: number;
  /** Length of the decoded pixel array (samples, not bytes). */
  pixelLength: number;
  photometricInterpretation: string | undefined;
  bitsAllocated: number | undefined;
  minPixelValue: number;
  maxPixelValue: number;
  rowPixelSpacing: number | null | undefined;
  columnPixelSpacing: number | null | undefined;
}

const displayablePhotometric = new Set(['MONOCHROME1', 'MONOCHROME2', 'RGB', 'PALETTE COLOR', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'YBR_ICT']);

/**
 * Why a decoded image cannot be drawn, or null when it can. These are the images that, handed to the
 * stack viewport, throw inside vtk half-way through an update (a pixel array that does not fill
 * rows × columns × samples, a NaN size or spacing) and leave the viewport's camera and actor broken.
 */
export function undrawableReason(image: DecodedImageShape): string | null {
  const { rows, columns, numberOfComponents, pixelLength } = image;
  const photometric = image.photometricInterpretation?.trim() ?? '';
  if (photometric && !displayablePhotometric.has(photometric)) {
    return `photometric interpretation ${photometric} (0028,0004) is not supported by the viewer`;
  }
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(columns) && columns > 0)) {
    return `the decoded image has no usable size (${rows} rows × ${columns} columns)`;
  }
  if (!(Number.isInteger(numberOfComponents) && numberOfComponents >= 1 && numberOfComponents <= 4)) {
    return `the decoded image has ${numberOfComponents} samples per pixel`;
  }
  const expected = rows * columns * numberOfComponents;
  // One trailing sample is the even-length padding of an odd-sized 8-bit frame (PS3.5 8.1.1): vtk takes it.
  const padded = pixelLength > expected && pixelLength - expected <= numberOfComponents && pixelLength % numberOfComponents === 0;
  if (pixelLength !== expected && !padded) {
    const what = photometric ? `${photometric} ` : '';
    const bits = image.bitsAllocated ? `, ${image.bitsAllocated} bits allocated` : '';
    return `the decoder returned ${pixelLength} samples for a ${columns} × ${rows} ${what}image with ${numberOfComponents} sample(s) per pixel${bits} (expected ${expected}): this pixel encoding is not supported`;
  }
  if (!Number.isFinite(image.minPixelValue) || !Number.isFinite(image.maxPixelValue)) {
    return 'the decoded pixel values are not numbers (NaN or infinite)';
  }
  for (const [name, spacing] of [['row', image.rowPixelSpacing], ['column', image.columnPixelSpacing]] as const) {
    if (spacing !== null && spacing !== undefined && !(Number.isFinite(spacing) && spacing > 0)) {
      return `the ${name} pixel spacing (0028,0030) is ${spacing}, not a positive number`;
    }
  }
  return null;
}

/** The pixel module (0028,xxxx) as far as the loader read it before failing, to say what the codec could not take. */
export interface PixelFormat {
  bitsAllocated?: number;
  samplesPerPixel?: number;
  photometricInterpretation?: string;
}

const formatText = (p: PixelFormat | undefined): string =>
  p?.bitsAllocated ? `${p.bitsAllocated} bits allocated, ${p.samplesPerPixel ?? 1} sample(s) per pixel${p.photometricInterpretation ? ` (${p.photometricInterpretation})` : ''}` : 'this pixel format';

/** Known decoder and loader messages, in words; the library's own text follows in brackets for the log. */
const knownMessages: { test: RegExp; say: (source: ImageSource, message: string, pixel?: PixelFormat) => string }[] = [
  // cornerstone's big-endian decoder swaps 16-bit samples and passes 8-bit ones; anything else leaves no pixels. The checked
  // loader reads 32-bit grey and RGB itself (bigEndian32.ts, deepRgb.ts): what still lands here is another pixel format.
  { test: /reading 'length'|pixelData is undefined/i, say: (s, m, p) => s.transferSyntaxUid === EXPLICIT_BE && p?.bitsAllocated !== 8 && p?.bitsAllocated !== 16
      ? `the Explicit VR Big Endian reader takes 8- and 16-bit samples, and 32-bit grey or RGB; this image has ${formatText(p)}`
      : `${decoderOf(s.transferSyntaxUid)} rejected the pixel data (${m.slice(0, 200)})` },
  { test: /no pixel data in NATURALIZED|no COMPRESSED_FRAME_DATA/i, say: (s) => s.transferSyntaxUid === '1.2.840.10008.1.2.1.99'
      ? 'the viewer could not read pixel data from this deflated data set (Deflated Explicit VR Little Endian)'
      : 'no Pixel Data (7FE0,0010) the viewer can read: float or double pixel data (7FE0,0008/0009) and files without pixels are not displayed' },
  { test: /No decoder for transfer syntax/i, say: (s) => `no decoder for ${transferSyntaxName(s.transferSyntaxUid)}` },
  { test: /unsupported pixel format for RLE/i, say: (_s, _m, p) => `the RLE decoder does not support ${formatText(p)}` },
  { test: /frame is \d+ bytes, expected \d+/i, say: (_s, m) => `the pixel data is shorter than the image needs (${/frame is (\d+) bytes, expected (\d+)/i.exec(m)?.slice(1).join(' of ') ?? ''} bytes)` },
  { test: /status:? ?(404|403|410)|HTTP 4\d\d/i, say: () => 'the file could not be fetched from the app (moved, deleted or no longer granted)' },
  { test: /Failed to fetch|NetworkError|network error/i, say: () => 'the file could not be fetched from the app' },
];

/** One line for a failed image load: the decoder or loader error in words, naming the codec when it is one. */
export function describeImageError(error: unknown, source: ImageSource, pixel?: PixelFormat): string {
  const message = describeLoadError(unwrapEvent(error));
  for (const known of knownMessages) if (known.test.test(message)) return known.say(source, message, pixel);
  const decoder = decoderOf(source.transferSyntaxUid);
  // Anything else is the codec's own complaint: say which codec rejected the data, then what it said.
  return message && message !== '[object Event]' && message !== 'Event'
    ? `${decoder} rejected the pixel data (${message.slice(0, 200)})`
    : `${decoder} rejected the pixel data`;
}

/** cornerstone sometimes rejects with the worker's ErrorEvent or its own { error } wrapper. */
function unwrapEvent(error: unknown): unknown {
  if (typeof error === 'object' && error !== null) {
    const inner = (error as { error?: unknown }).error;
    if (inner instanceof Error || (typeof inner === 'object' && inner !== null && 'message' in inner)) return inner;
  }
  return error;
}

/** The last path segment, for display on the image (the full path stays in `detail`). */
export const fileNameOf = (path: string): string => path.split(/[\\/]/).filter(Boolean).pop() ?? path;

export function imageFailure(imageId: string, source: ImageSource, reason: string): ImageFailure {
  const frame = source.frame !== null ? `, frame ${source.frame}` : '';
  return { imageId, fileName: fileNameOf(source.path), reason, detail: `${source.path}${frame}: ${reason}` };
}
