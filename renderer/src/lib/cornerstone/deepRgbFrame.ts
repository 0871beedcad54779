import type { DataSet } from 'dicom-parser';
import { rgbBytes } from '../../../../core/render/colour';
import { readPixelLayout } from '../../../../core/render/image-attributes';
import { nativeFrame, PIXEL_DATA_LABEL } from '../../../../core/render/pixel-frames';
import { RenderRefusal } from '../../../../core/render/render-refusal';
import { storedValues } from '../../../../core/render/stored-values';
import { DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE } from '../../../../core/dicom/transfer-syntax';

/** The pixel module as cornerstone's metadata provider reports it (enough to choose this path). */
export interface ColourPixelFormat {
  bitsAllocated?: number;
  samplesPerPixel?: number;
  photometricInterpretation?: string;
}

/** Syntaxes whose pixels are stored natively (the deflated one once its data set is inflated). */
const NATIVE = new Set([IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED_LE]);

/**
 * Whether an image is native colour with 16- or 32-bit samples, which cornerstone 5.14 cannot show:
 * its big-endian decoder leaves 32-bit pixels undefined; otherwise it hands the raw 16- or 32-bit
 * words on with the colour window 0 … 255 (or, for planar configuration 1, clamps them into bytes),
 * so every sample above 255 shows as full intensity.
 */
export function isNativeDeepRgb(transferSyntaxUid: string, pixel: ColourPixelFormat | undefined): boolean {
  const photometric = pixel?.photometricInterpretation?.trim().toUpperCase();
  const deep = pixel?.bitsAllocated === 16 || pixel?.bitsAllocated === 32;
  return NATIVE.has(transferSyntaxUid) && deep && pixel?.samplesPerPixel === 3 && (photometric === 'RGB' || photometric === 'YBR_FULL');
}

export interface Rgb8Frame {
  /** Pixel-interleaved 8-bit RGB, rows × columns × 3. */
  rgb: Uint8Array;
  rows: number;
  columns: number;
  /** Bits Stored, which the samples were scaled by. */
  bitsStored: number;
}

/**
 * Frame `frameIndex` (0-based) of a native RGB or YBR_FULL image → 8-bit RGB, read with the functions
 * `vesalius render` uses (core/render: the pixel layout, the frame's bytes, stored values for either
 * byte order and planar configuration), each sample scaled by Bits Stored (core/imaging/colour-depth),
 * so the screen shows what the exported PNG holds. Refuses (RenderRefusal) what core/render refuses.
 * For the deflated syntax, `byteArray` and `dataSet` are the inflated data set's.
 */
export function nativeRgbTo8Bits(byteArray: Uint8Array, dataSet: DataSet, transferSyntaxUid: string, frameIndex: number): Rgb8Frame {
  if (!NATIVE.has(transferSyntaxUid)) throw new RenderRefusal(`transfer syntax ${transferSyntaxUid} does not store pixels natively`);
  const element = dataSet.elements.x7fe00010;
  if (!element) throw new RenderRefusal(`no ${PIXEL_DATA_LABEL}`);
  if (element.length === 0xffffffff) throw new RenderRefusal(`${PIXEL_DATA_LABEL} is encapsulated (undefined length), but the transfer syntax stores pixels natively`);
  const layout = readPixelLayout(dataSet);
  if (layout.samplesPerPixel !== 3 || (layout.photometric !== 'RGB' && layout.photometric !== 'YBR_FULL')) {
    throw new RenderRefusal(`${layout.photometric} with ${layout.samplesPerPixel} sample(s) per pixel is not native RGB or YBR_FULL`);
  }
  if (frameIndex < 0 || frameIndex >= layout.numberOfFrames) throw new RenderRefusal(`there is no frame ${frameIndex + 1}: the image has ${layout.numberOfFrames} frame(s)`);
  const frame = nativeFrame(byteArray, element, layout, frameIndex);
  const values = storedValues(
    {
      bytes: frame.bytes,
      bitOffset: frame.bitOffset,
      bitsAllocated: layout.bitsAllocated,
      littleEndian: transferSyntaxUid !== EXPLICIT_BE,
      samplesPerPixel: 3,
      planar: layout.planarConfiguration,
      ybr422: false,
      bitsStored: layout.bitsStored,
      highBit: layout.highBit,
      signed: layout.signed,
    },
    layout.rows * layout.columns,
  );
  return { rgb: rgbBytes(values, layout.bitsStored, layout.photometric === 'YBR_FULL'), rows: layout.rows, columns: layout.columns, bitsStored: layout.bitsStored };
}
