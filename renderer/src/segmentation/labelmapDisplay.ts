// The cornerstone side of a segmentation: one labelmap layer per segment on the stack viewport.
import { cache, imageLoader, type Types } from '@cornerstonejs/core';
import { segmentation as csSegmentation, Enums as ToolEnums } from '@cornerstonejs/tools';

const { Labelmap } = ToolEnums.SegmentationRepresentations;

/** How one segment looks: colour (0–255), shown or not, fill opacity (0–1). */
export interface SegmentLook {
  color: readonly [number, number, number];
  visible: boolean;
  opacity: number;
}

/** Where the labelmaps are drawn: the stack viewport and the image ids it shows (index = z). */
export interface LabelmapTarget {
  viewportId: string;
  referencedImageIds: readonly string[];
}

interface Layer {
  segmentationId: string;
  /** One derived image per slice; its scalar data is the slice's 0/1 bytes. */
  images: Types.IImage[];
}

let nextDisplay = 0;

/**
 * Each segment is its own cornerstone segmentation with one labelmap (label 1), so overlapping
 * segments stay separate layers and can be shown, hidden and coloured one by one. The voxels
 * themselves are owned by the caller (SegmentationContent); this copies only the slices it is told.
 */
export class LabelmapDisplay {
  private readonly layers = new Map<number, Layer>();
  private readonly prefix = `vesalius-seg-${++nextDisplay}`;

  constructor(private readonly target: LabelmapTarget) {}

  /** Adds (or replaces) a segment's layer, filled from its whole mask. */
  show(segment: number, mask: Uint8Array, look: SegmentLook): void {
    this.remove(segment);
    const segmentationId = `${this.prefix}-${segment}`;
    const images = imageLoader.createAndCacheDerivedLabelmapImages([...this.target.referencedImageIds], {
      getDerivedImageId: (referencedImageId: string) => `${segmentationId}:${this.target.referencedImageIds.indexOf(referencedImageId)}`,
    } as Parameters<typeof imageLoader.createAndCacheDerivedLabelmapImages>[1]);
    const layer: Layer = { segmentationId, images };
    this.layers.set(segment, layer);
    for (let z = 0; z < images.length; z++) this.copySlice(layer, mask, z);
    csSegmentation.addSegmentations([
      {
        segmentationId,
        representation: { type: Labelmap, data: { imageIds: images.map((i) => i.imageId) } },
        config: { segments: { 1: { label: `segment ${segment}`, segmentIndex: 1, locked: false, active: true, cachedStats: {} } } },
      },
    ]);
    csSegmentation.addLabelmapRepresentationToViewport(this.target.viewportId, [{ segmentationId, config: { colorLUTOrIndex: [[0, 0, 0, 0], [...look.color, 255]] } }]);
    if (!csSegmentation.state.getSegmentationRepresentations(this.target.viewportId, { segmentationId }).length) {
      throw new Error(`cornerstone did not add segment ${segment}'s labelmap to viewport ${this.target.viewportId} (the viewport is gone or shows other images)`);
    }
    this.setLook(segment, look);
  }

  /** Copies the given slices of a segment's mask to its layer and redraws them. */
  update(segment: number, mask: Uint8Array, slices: Iterable<number>): void {
    const layer = this.layers.get(segment);
    if (!layer) return;
    const changed = [...new Set(slices)];
    for (const z of changed) this.copySlice(layer, mask, z);
    if (changed.length) csSegmentation.triggerSegmentationEvents.triggerSegmentationDataModified(layer.segmentationId, changed, 1);
  }

  setLook(segment: number, look: SegmentLook): void {
    const layer = this.layers.get(segment);
    if (!layer) return;
    const { viewportId } = this.target;
    const alpha = Math.round(Math.min(1, Math.max(0, look.opacity)) * 255);
    csSegmentation.config.color.setSegmentIndexColor(viewportId, layer.segmentationId, 1, [look.color[0], look.color[1], look.color[2], alpha]);
    csSegmentation.config.style.setStyle({ viewportId, segmentationId: layer.segmentationId, type: Labelmap }, { fillAlpha: look.opacity, fillAlphaInactive: look.opacity, renderOutline: true, outlineOpacity: 1, outlineOpacityInactive: 1 });
    csSegmentation.config.visibility.setSegmentationRepresentationVisibility(viewportId, { segmentationId: layer.segmentationId, type: Labelmap }, look.visible);
  }

  remove(segment: number): void {
    const layer = this.layers.get(segment);
    if (!layer) return;
    this.layers.delete(segment);
    // Each layer's representation has its own colour table: it goes with the layer.
    const lutIndex = csSegmentation.state.getSegmentationRepresentations(this.target.viewportId, { segmentationId: layer.segmentationId })[0]?.colorLUTIndex;
    csSegmentation.removeSegmentationRepresentations(this.target.viewportId, { segmentationId: layer.segmentationId }, true);
    csSegmentation.removeSegmentation(layer.segmentationId);
    if (lutIndex !== undefined) csSegmentation.state.removeColorLUT(lutIndex);
    for (const image of layer.images) cache.removeImageLoadObject(image.imageId, { force: true });
  }

  destroy(): void {
    for (const segment of [...this.layers.keys()]) this.remove(segment);
  }

  /** The layers' segments (for tests and the e2e harness). */
  get segments(): number[] {
    return [...this.layers.keys()];
  }

  private copySlice(layer: Layer, mask: Uint8Array, z: number): void {
    const data = layer.images[z]?.voxelManager?.getScalarData() as Uint8Array | undefined;
    if (!data) return;
    data.set(mask.subarray(z * data.length, (z + 1) * data.length));
  }
}
