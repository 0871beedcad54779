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
  /** The stack viewport's cornerstone segmentation. */
  segmentationId: string;
  /**
   * The volume views' own cornerstone segmentation over the same labelmap images (no copy), while any is attached.
   * Apart from the stack's because cornerstone re-uploads every slice of the labelmap's volume texture on each data
   * change of a segmentation shown in both a stack and a volume viewport; one shown only in volume viewports has just
   * the changed slices uploaded.
   */
  volumeSegmentationId: string | null;
  /** One derived image per slice; its scalar data is a view of the slice's 0/1 bytes in `mask`. */
  images: Types.IImage[];
  /** The caller's mask the images' pixels are views of (a 512×512×500 copy would cost 125 MiB a segment). */
  mask: Uint8Array;
  /** The segment's name in cornerstone's state. */
  label: string;
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
    // The volume views' segmentation stays with its layer: views shown again reuse it (and the labelmap volume cornerstone built for it).
    for (const layer of this.layers.values()) {
      if (layer.volumeSegmentationId) csSegmentation.removeSegmentationRepresentations(viewportId, { segmentationId: layer.volumeSegmentationId }, true);
    }
  }

  /** The volume views' segmentation of a layer, made on first use over the layer's labelmap images. */
  private volumeSegmentationOf(layer: Layer): string {
    if (layer.volumeSegmentationId) return layer.volumeSegmentationId;
    const segmentationId = `${layer.segmentationId}-volume`;
    addSegmentation(segmentationId, layer.images, layer.label);
    layer.volumeSegmentationId = segmentationId;
    return segmentationId;
  }

  /** Drops the volume views' segmentation of a layer that goes (the images are the stack's, freed with the layer). */
  private removeVolumeSegmentation(layer: Layer): void {
    if (!layer.volumeSegmentationId) return;
    // cornerstone's removeSegmentation leaves the labelmap volume it built in its cache: it goes too (its images are the layer's, freed with it).
    const volumeId = labelmapVolumeOf(layer.volumeSegmentationId)?.geometryVolumeId;
    csSegmentation.removeSegmentation(layer.volumeSegmentationId);
    layer.volumeSegmentationId = null;
    if (volumeId && cache.getVolumeLoadObject(volumeId)) cache.removeVolumeLoadObject(volumeId);
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
    const layer: Layer = { segmentationId, volumeSegmentationId: null, images, mask, label: `segment ${segment}` };
    this.layers.set(segment, layer);
    this.viewMask(layer, mask);
    addSegmentation(segmentationId, images, layer.label);
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
    const lutIndex = csSegmentation.state.getSegmentationRepresentations(this.target.viewportId, { segmentationId: layer.segmentationId })[0]?.colorLUTIndex;
    const segmentationId = this.volumeSegmentationOf(layer);
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
    if (!changed.length) return;
    csSegmentation.triggerSegmentationEvents.triggerSegmentationDataModified(layer.segmentationId, changed, 1);
    if (layer.volumeSegmentationId) {
      const frames = volumeFramesOf(layer.volumeSegmentationId, changed.map((z) => layer.images[z]?.imageId));
      csSegmentation.triggerSegmentationEvents.triggerSegmentationDataModified(layer.volumeSegmentationId, frames, 1);
    }
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
    const segmentationId = viewportId === this.target.viewportId ? layer.segmentationId : layer.volumeSegmentationId;
    if (!segmentationId) return;
    csSegmentation.config.color.setSegmentIndexColor(viewportId, segmentationId, 1, [look.color[0], look.color[1], look.color[2], alpha]);
    csSegmentation.config.style.setStyle(
      { viewportId, segmentationId, type: Labelmap },
      { renderFill: fill, renderFillInactive: fill, fillAlpha: look.opacity, fillAlphaInactive: look.opacity, renderOutline: outline, renderOutlineInactive: outline, outlineOpacity: 1, outlineOpacityInactive: 1 },
    );
    csSegmentation.config.visibility.setSegmentationRepresentationVisibility(viewportId, { segmentationId, type: Labelmap }, look.visible);
  }

  remove(segment: number): void {
    const layer = this.layers.get(segment);
    if (!layer) return;
    this.layers.delete(segment);
    this.looks.delete(segment);
    const volumeSegmentationId = layer.volumeSegmentationId;
    if (volumeSegmentationId) for (const viewportId of this.volumeViewportIds) csSegmentation.removeSegmentationRepresentations(viewportId, { segmentationId: volumeSegmentationId }, true);
    this.removeVolumeSegmentation(layer);
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

/** Registers a cornerstone segmentation of one labelmap (label 1) over `images`. */
function addSegmentation(segmentationId: string, images: readonly Types.IImage[], label: string): void {
  csSegmentation.addSegmentations([
    {
      segmentationId,
      representation: { type: Labelmap, data: { imageIds: images.map((i) => i.imageId) } },
      config: { segments: { 1: { label, segmentIndex: 1, locked: false, active: true, cachedStats: {} } } },
    },
  ]);
}

/**
 * The frames of the labelmap volume cornerstone built for a volume-view segmentation that hold these images (its
 * texture is uploaded per frame; the volume may order the images otherwise than the stack). Empty (cornerstone then
 * uploads every frame) while the volume is not built yet or an image is not in it.
 */
function volumeFramesOf(segmentationId: string, imageIds: readonly (string | undefined)[]): number[] {
  const layer = labelmapVolumeOf(segmentationId);
  const volumeId = layer?.volumeId ?? layer?.geometryVolumeId;
  const frameIds = volumeId ? cache.getVolume(volumeId)?.imageIds : undefined;
  if (!frameIds) return [];
  const frames = imageIds.map((id) => (id === undefined ? -1 : frameIds.indexOf(id)));
  return frames.every((f) => f >= 0) ? frames : [];
}

/**
 * The volume ids of a segmentation's labelmap: its own volume (none here: ours are built from images), or the one
 * cornerstone built over its images for the volume views (`geometryVolumeId`, once built).
 */
function labelmapVolumeOf(segmentationId: string): { volumeId?: string; geometryVolumeId?: string } | undefined {
  const labelmap = csSegmentation.state.getSegmentation(segmentationId)?.representationData.Labelmap as { labelmaps?: Record<string, { volumeId?: string; geometryVolumeId?: string }> } | undefined;
  return Object.values(labelmap?.labelmaps ?? {})[0];
}
