import dicomParser from 'dicom-parser';
import { createImage } from '@cornerstonejs/dicom-image-loader';
import type { Types } from '@cornerstonejs/core';
import { readPixelLayout } from '../../../../core/render/image-attributes';
import { nativeFrame } from '../../../../core/render/pixel-frames';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';

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
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const byteArray = new Uint8Array(await response.arrayBuffer());
  const dataSet = dicomParser.parseDicom(byteArray);
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
  transferSyntaxUid === '1.2.840.10008.1.2.2' && pixel?.bitsAllocated === 32 && (pixel.samplesPerPixel ?? 1) === 1;
