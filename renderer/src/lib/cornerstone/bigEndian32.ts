import dicomParser from 'dicom-parser';
import { createImage } from '@cornerstonejs/dicom-image-loader';
import type { Types } from '@cornerstonejs/core';
import { readPixelLayout } from '../../../../core/render/image-attributes';
import { nativeFrame } from '../../../../core/render/pixel-frames';
import { EXPLICIT_BE, EXPLICIT_LE } from '../../../../core/dicom/transfer-syntax';

/** The file last read here, fetched and parsed once for all its frames (an RT dose holds a hundred); floatPixels.ts reads through it too. */
let lastFile: { url: string; parsed: Promise<{ byteArray: Uint8Array; dataSet: dicomParser.DataSet }> } | null = null;

export function parsedFile(url: string): Promise<{ byteArray: Uint8Array; dataSet: dicomParser.DataSet }> {
  if (lastFile?.url === url) return lastFile.parsed;
  const parsed = (async () => {
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const byteArray = new Uint8Array(await response.arrayBuffer());
    return { byteArray, dataSet: dicomParser.parseDicom(byteArray) };
  })();
  lastFile = { url, parsed };
  parsed.catch(() => {
    if (lastFile?.parsed === parsed) lastFile = null; // a failed read is not kept
  });
  return parsed;
}

/**
 * cornerstone 5.14's big-endian decoder swaps 16-bit samples and passes 8-bit ones; 32-bit grey
 * samples (RT dose, some parametric data) come out as no pixels at all. This reads the frame from the
 * file itself (core/render's frame layout), swaps each 32-bit sample to little endian and hands it to
 * cornerstone's own createImage as explicit little endian, so everything after decoding (modality LUT,
 * VOI, the viewport) is cornerstone's usual path. Colour and other depths are not its business.
 */
export async function loadBigEndian32Grey(imageId: string, options: Record<string, unknown>): Promise<Types.IImage> {
  const [url, query] = imageId.replace(/^wadouri:/, '').split('?');
  const frameIndex = Math.max(0, Number(new URLSearchParams(query ?? '').get('frame') ?? '1') - 1);
  const { byteArray, dataSet } = await parsedFile(url);
  const element = dataSet.elements.x7fe00010;
  if (!element) throw new Error('no Pixel Data (7FE0,0010)');
  const layout = readPixelLayout(dataSet);
  const frame = nativeFrame(byteArray, element, layout, frameIndex).bytes;
  const little = new Uint8Array(frame.length);
  for (let i = 0; i + 3 < frame.length; i += 4) {
    little[i] = frame[i + 3];
    little[i + 1] = frame[i + 2];
    little[i + 2] = frame[i + 1];
    little[i + 3] = frame[i];
  }
  return (await createImage(imageId, little, EXPLICIT_LE, options)) as Types.IImage;
}

/** Whether a failed load is the one loadBigEndian32Grey can do instead. */
export const isBigEndian32Grey = (transferSyntaxUid: string, pixel: { bitsAllocated?: number; samplesPerPixel?: number } | undefined): boolean =>
  transferSyntaxUid === EXPLICIT_BE && pixel?.bitsAllocated === 32 && (pixel.samplesPerPixel ?? 1) === 1;
