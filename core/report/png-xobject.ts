// A PNG as a PDF image without decoding it: its zlib stream is the PDF's FlateDecode stream with the PNG predictor.
import type { PDFDocument, PDFRef } from 'pdf-lib';

/** What a PDF image drawn from a PNG needs: its size and the registered XObject. */
export interface PngXObject {
  ref: PDFRef;
  width: number;
  height: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** PNG colour types a PDF image can carry as they are: grey and RGB (no alpha, no palette). */
const COLOURS: Record<number, { space: string; channels: number }> = { 0: { space: 'DeviceGray', channels: 1 }, 2: { space: 'DeviceRGB', channels: 3 } };

/**
 * Embeds an 8- or 16-bit, grey or RGB, non-interlaced PNG by passing its IDAT bytes through (PDF 1.2
 * FlateDecode with Predictor 15 reads the PNG row filters itself); null for any other PNG (alpha,
 * palette, interlaced, malformed), which the caller embeds the slow way. pdf-lib's embedPng decodes
 * and deflates every image again, which took most of a 4-key-image report's second.
 */
export function embedPngDirect(doc: PDFDocument, png: Uint8Array): PngXObject | null {
  if (png.length < 33 || SIGNATURE.some((b, i) => png[i] !== b)) return null;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const idat: Uint8Array[] = [];
  let header: { width: number; height: number; bitDepth: number; colourType: number; interlace: number } | null = null;
  for (let at = 8; at + 12 <= png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(png[at + 4], png[at + 5], png[at + 6], png[at + 7]);
    const start = at + 8;
    if (start + length + 4 > png.length) return null;
    if (type === 'IHDR') header = { width: view.getUint32(start), height: view.getUint32(start + 4), bitDepth: png[start + 8], colourType: png[start + 9], interlace: png[start + 12] };
    else if (type === 'IDAT') idat.push(png.subarray(start, start + length));
    else if (type === 'tRNS') return null; // transparency needs a soft mask
    else if (type === 'IEND') break;
    at = start + length + 4;
  }
  const colour = header ? COLOURS[header.colourType] : undefined;
  if (!header || !colour || header.interlace !== 0 || (header.bitDepth !== 8 && header.bitDepth !== 16) || idat.length === 0 || header.width === 0 || header.height === 0) return null;
  const data = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of idat) (data.set(chunk, offset), (offset += chunk.length));
  const stream = doc.context.stream(data, {
    Type: 'XObject',
    Subtype: 'Image',
    Width: header.width,
    Height: header.height,
    ColorSpace: colour.space,
    BitsPerComponent: header.bitDepth,
    Filter: 'FlateDecode',
    DecodeParms: { Predictor: 15, Colors: colour.channels, BitsPerComponent: header.bitDepth, Columns: header.width },
  });
  return { ref: doc.context.register(stream), width: header.width, height: header.height };
}
