// One stack image's modality values (HU for CT) as a slice of the edit grid, for the threshold brush and region grow.
import { cache } from '@cornerstonejs/core';
import { modalityValue, type ProbeImage } from '../lib/probe';

/**
 * The modality values of a loaded image, x fastest, as the kernels' ImageValues for a one-slice volume;
 * a reason in words when the image is not loaded or is not the grid's width × height.
 */
export function modalitySliceValues(imageId: string, width: number, height: number): Float32Array | string {
  const image = cache.getImage(imageId);
  if (!image) return 'its image is not loaded';
  if (image.columns !== width || image.rows !== height) return `its image is ${image.columns}×${image.rows} pixels, the segmentation ${width}×${height}`;
  if ((image.numberOfComponents ?? 1) !== 1) return 'its image is in colour, with no single value a pixel';
  const probe: ProbeImage = {
    columns: image.columns,
    rows: image.rows,
    modality: '',
    pixels: image.getPixelData(),
    prescaled: image.preScale?.scaled === true,
    rescaleSlope: image.slope ?? 1,
    rescaleIntercept: image.intercept ?? 0,
  };
  const values = new Float32Array(width * height);
  for (let i = 0; i < values.length; i++) values[i] = modalityValue(probe, i);
  return values;
}

/** The last few slices' values, by image id (a stroke or a few clicks stay on one slice). */
export class SliceValuesCache {
  private readonly byImageId = new Map<string, Float32Array>();
  constructor(private readonly keep = 4) {}

  get(imageId: string, width: number, height: number): Float32Array | string {
    const cached = this.byImageId.get(imageId);
    if (cached) return cached;
    const values = modalitySliceValues(imageId, width, height);
    if (typeof values === 'string') return values;
    this.byImageId.set(imageId, values);
    if (this.byImageId.size > this.keep) this.byImageId.delete(this.byImageId.keys().next().value as string);
    return values;
  }

  clear(): void {
    this.byImageId.clear();
  }
}
