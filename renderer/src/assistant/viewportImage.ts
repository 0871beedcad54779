import { cache, imageLoader, metaData, type Types } from '@cornerstonejs/core';
import type { AssistantImage } from '../../../core/contract/assistant';
import type { ViewerState } from '../state/viewer.svelte';
import { findStackViewport } from '../lib/cornerstone/findStackViewport';
import { assistantImageOf } from './imagePayload';
import { withHeaderTags } from './header-tags';
import type { StackFrame } from '../lib/imageIds';

/** The slice on screen as the assistant receives it, with what is needed to place and measure a mask on it. */
export interface CurrentSlice {
  imageId: string;
  /** 0-based index in the open stack, and the stack's length, for labelling answers. */
  sliceIndex: number;
  sliceCount: number;
  image: AssistantImage;
  rowSpacingMm: number | null;
  columnSpacingMm: number | null;
}

const spacingOrNull = (mm: number | undefined): number | null => (mm !== undefined && Number.isFinite(mm) && mm > 0 ? mm : null);

/**
 * Reads the viewer's current image from the same on-page stack viewport the scoring overlay draws on,
 * so the pixels sent are exactly the slice shown. Throws a readable reason when there is none.
 */
export function currentSlice(viewer: ViewerState): CurrentSlice {
  const open = viewer.open;
  const frameImageId = viewer.currentFrame?.imageId;
  if (!open || !frameImageId) throw new Error('open a series first: the assistant looks at the slice on screen');
  const viewport: Types.IStackViewport | null = findStackViewport(frameImageId);
  if (!viewport) throw new Error('the viewer is not showing an image yet');
  const imageId = viewport.getCurrentImageId();
  if (!imageId) throw new Error('the viewer is not showing an image yet');
  const image = viewport.getCornerstoneImage() ?? cache.getImage(imageId);
  if (!image || image.imageId !== imageId) throw new Error('the current slice is still loading; try again when it is shown');
  const payload = payloadOfImage(image, open.series.modality);
  return {
    imageId,
    sliceIndex: viewport.getCurrentImageIdIndex(),
    sliceCount: viewport.getImageIds().length,
    image: payload,
    rowSpacingMm: spacingOrNull(image.rowPixelSpacing),
    columnSpacingMm: spacingOrNull(image.columnPixelSpacing),
  };
}

/** A loaded cornerstone image as the assistant's `image` argument (the same for the slice on screen and a whole-series run). */
export function payloadOfImage(image: Types.IImage, modality: string): AssistantImage {
  return withHeaderTags(assistantImageOf({
    width: image.columns,
    height: image.rows,
    pixels: image.getPixelData(),
    numberOfComponents: image.numberOfComponents ?? (image.color ? 3 : 1),
    modality,
    prescaled: image.preScale?.scaled === true,
    slope: image.slope ?? 1,
    intercept: image.intercept ?? 0,
    invert: image.invert === true,
  }), metaData.get, image.imageId);
}

/** Slice `index` of the open series loaded (from cornerstone's cache when it is there) and made the assistant's argument. */
export async function seriesSliceImage(frames: readonly StackFrame[], index: number, modality: string): Promise<AssistantImage> {
  const frame = frames[index];
  if (!frame) throw new Error(`slice ${index + 1} is not one of the series' ${frames.length}`);
  const image = cache.getImage(frame.imageId) ?? (await imageLoader.loadAndCacheImage(frame.imageId));
  return payloadOfImage(image, modality);
}
