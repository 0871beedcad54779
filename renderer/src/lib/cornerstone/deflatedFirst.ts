import type { Types } from '@cornerstonejs/core';
import { wadouri } from '@cornerstonejs/dicom-image-loader';
import { Inflate } from 'fflate';
import { deflatedToExplicit } from '../../../../core/dicom/deflated-to-explicit';
import { RenderRefusal } from '../../../../core/render/render-refusal';

/**
 * Most bytes a deflated file is inflated to in the viewer. cornerstone's own inflater had no limit;
 * a decompression bomb now stops here with a reason instead of taking the renderer's memory.
 */
const MAX_INFLATED_BYTES = 2 ** 30;

function inflateCapped(deflated: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total > MAX_INFLATED_BYTES) throw new RenderRefusal(`the deflated data set inflates to more than ${MAX_INFLATED_BYTES / 2 ** 20} MiB (the viewer's limit)`);
    chunks.push(chunk);
  });
  inflater.push(deflated, true);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** The file as the same data set in Explicit VR Little Endian, for cornerstone's data-set cache. */
async function fetchAsExplicit(uri: string): Promise<ArrayBuffer> {
  const response = await fetch(uri, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const explicit = deflatedToExplicit(new Uint8Array(await response.arrayBuffer()), inflateCapped);
  return explicit.byteOffset === 0 && explicit.byteLength === explicit.buffer.byteLength ? (explicit.buffer as ArrayBuffer) : explicit.slice().buffer;
}

/**
 * A Deflated Explicit VR Little Endian image through cornerstone's data-set loader, inflated here
 * first (core/dicom/deflated-to-explicit.ts): dicom-parser, handed the deflated file as it is, reads
 * one element of the compressed body while it reads the meta header and fails on about one file in
 * three hundred. The data-set cache then holds the inflated data set, as deepRgb.ts expects.
 */
export function loadDeflatedImage(imageId: string, options: Record<string, unknown>): Types.IImageLoadObject {
  const parsed = wadouri.parseImageId(imageId);
  const dataSet = wadouri.dataSetCacheManager.load(parsed.url, fetchAsExplicit, imageId);
  return wadouri.loadImageFromPromise(dataSet, imageId, parsed.pixelDataFrame ?? 0, parsed.url, options) as unknown as Types.IImageLoadObject;
}
