// The cornerstone side of a segmentation: one labelmap layer per segment on the stack viewport, and on the
// volume views (axial, sagittal, coronal) while they show the series.
import { cache, imageLoader, utilities, type Types } from '@cornerstonejs/core';
import { segmentation as csSegmentation, Enums as ToolEnums } from '@cornerstonejs/tools';

const { Labelmap } = ToolEnums.SegmentationRepresentations;

/** How one segment looks: colour (0–255), shown or not, fill opacity (0–1), inside filled and rim drawn (both by default). */
export interface SegmentLook {
  color: readonly [number, number, number];
  visible: boolean;
  opacity: number;
  fill?: boolean;
  outline?: boolean;
}

/** Where the labelmaps are drawn: the stack viewport and the image ids it shows (index = z). */
export interface LabelmapTarget {
  viewportId: string;
  referencedImageIds: readonly string[];
}

interface Layer {
  segmentationId: string;
  /** One derived image per slice; its scalar data is a view of the slice's 0/1 bytes in `mask`. */
  images: Types.IImage[];
  /** The caller's mask the images' pixels are views of (a 512×512×500 copy would cost 125 MiB a segment). */
  mask: Uint8Array;
}

let nextDisplay = 0;

/**
 * Each segment is its own cornerstone segmentation with one labelmap (label 1), so overlapping
 * segments stay separate layers and can be shown, hidden and coloured one by one. The voxels
 * themselves are owned by the caller (SegmentationContent): each labelmap image's pixels are a view of
 * its slice of the caller's mask, never a copy, and never written here.
 */
export class LabelmapDisplay {
  private readonly layers = new Map<number, Layer>();
  private readonly looks = new Map<number, SegmentLook>();
  /** Volume viewports of the same series that show the layers too (the labelmap images are shared, not copied). */
  private readonly volumeViewportIds = new Set<string>();
  private readonly prefix = `vesalius-seg-${++nextDisplay}`;

  constructor(private readonly target: LabelmapTarget) {}

  /**
   * Shows every layer on a volume viewport of the same series as well. cornerstone renders an image-based
   * labelmap there through a volume it builds over the same labelmap images, so the voxels stay in one place
   * and `update` redraws every view.
   */
  attachVolumeViewport(viewportId: string): void {
    if (this.volumeViewportIds.has(viewportId)) return;
    this.volumeViewportIds.add(viewportId);
    for (const segment of this.layers.keys()) this.addTo(viewportId, segment);
  }

  /** Takes the layers off a volume viewport (its volume is released); the layers stay on the stack. */
  detachVolumeViewport(viewportId: string): void {
    if (!this.volumeViewportIds.delete(viewportId)) return;
    for (const layer of this.layers.values()) csSegmentation.removeSegmentationRepresentations(viewportId, { segmentationId: layer.segmentationId }, true);
  }

  /** Adds (or replaces) a segment's layer, filled from its whole mask. */
  show(segment: number, mask: Uint8Array, look: SegmentLook): void {
    this.remove(segment);
    const segmentationId = `${this.prefix}-${segment}`;
    const images = imageLoader.createAndCacheDerivedLabelmapImages([...this.target.referencedImageIds], {
      // cornerstone's own prefix for images made in memory: a volume built over them (the volume views) then never
      // tries to load one through an image loader (our ids have no loader; 5.14 reads the VOI that way otherwise).
      getDerivedImageId: (referencedImageId: string) => `derived:${segmentationId}:${this.target.referencedImageIds.indexOf(referencedImageId)}`,
    } as Parameters<typeof imageLoader.createAndCacheDerivedLabelmapImages>[1]);
    const layer: Layer = { segmentationId, images, mask };
    this.layers.set(segment, layer);
    this.viewMask(layer, mask);
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
    this.looks.set(segment, look);
    for (const viewportId of this.volumeViewportIds) this.addTo(viewportId, segment);
    this.setLook(segment, look);
  }

  /** Adds a layer's representation to a volume viewport, sharing the stack representation's colour table. */
  private addTo(viewportId: string, segment: number): void {
    const layer = this.layers.get(segment);
    const look = this.looks.get(segment);
    if (!layer || !look) return;
    const { segmentationId } = layer;
    const lutIndex = csSegmentation.state.getSegmentationRepresentations(this.target.viewportId, { segmentationId })[0]?.colorLUTIndex;
    csSegmentation.addLabelmapRepresentationToViewport(viewportId, [{ segmentationId, config: { colorLUTOrIndex: lutIndex ?? [[0, 0, 0, 0], [...look.color, 255]] } }]);
    this.styleOn(viewportId, layer, look);
  }

  /** Redraws the given slices of a segment (its images already show `mask`'s bytes, or are pointed at this new mask). */
  update(segment: number, mask: Uint8Array, slices: Iterable<number>): void {
    const layer = this.layers.get(segment);
    if (!layer) return;
    const changed = [...new Set(slices)];
    // A new array (another version of the segment): the images view it instead; the old one is the caller's, left as it is.
    if (layer.mask !== mask) this.viewMask(layer, mask);
    if (changed.length) csSegmentation.triggerSegmentationEvents.triggerSegmentationDataModified(layer.segmentationId, changed, 1);
  }

  setLook(segment: number, look: SegmentLook): void {
    const layer = this.layers.get(segment);
    if (!layer) return;
    this.looks.set(segment, look);
    for (const viewportId of [this.target.viewportId, ...this.volumeViewportIds]) this.styleOn(viewportId, layer, look);
  }

  private styleOn(viewportId: string, layer: Layer, look: SegmentLook): void {
    const alpha = Math.round(Math.min(1, Math.max(0, look.opacity)) * 255);
    const fill = look.fill ?? true;
    const outline = look.outline ?? true;
    csSegmentation.config.color.setSegmentIndexColor(viewportId, layer.segmentationId, 1, [look.color[0], look.color[1], look.color[2], alpha]);
    csSegmentation.config.style.setStyle(
      { viewportId, segmentationId: layer.segmentationId, type: Labelmap },
      { renderFill: fill, renderFillInactive: fill, fillAlpha: look.opacity, fillAlphaInactive: look.opacity, renderOutline: outline, renderOutlineInactive: outline, outlineOpacity: 1, outlineOpacityInactive: 1 },
    );
    csSegmentation.config.visibility.setSegmentationRepresentationVisibility(viewportId, { segmentationId: layer.segmentationId, type: Labelmap }, look.visible);
  }

  remove(segment: number): void {
    const layer = this.layers.get(segment);
    if (!layer) return;
    this.layers.delete(segment);
    this.looks.delete(segment);
    for (const viewportId of this.volumeViewportIds) csSegmentation.removeSegmentationRepresentations(viewportId, { segmentationId: layer.segmentationId }, true);
    // Each layer's representation has its own colour table (the volume views share it): it goes with the layer.
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

  /**
   * Points every image of the layer at its slice of `mask`: cornerstone made each with a buffer of its own,
   * which is dropped here (the stack view and the volume built over the images read through voxelManager).
   */
  private viewMask(layer: Layer, mask: Uint8Array): void {
    layer.mask = mask;
    for (let z = 0; z < layer.images.length; z++) {
      const image = layer.images[z];
      const perSlice = image.rows * image.columns;
      const scalarData = mask.subarray(z * perSlice, (z + 1) * perSlice);
      image.voxelManager = utilities.VoxelManager.createImageVoxelManager({ width: image.columns, height: image.rows, scalarData, numberOfComponents: 1, id: image.imageId }) as Types.IImage['voxelManager'];
      image.getPixelData = () => scalarData;
    }
  }
}
