// Masks that are shown but not edited (opened files, agreement views, the assistant's answer) as cornerstone labelmaps.
import { LabelmapDisplay, type LabelmapTarget, type SegmentLook } from './labelmapDisplay';

/** One segment of a shown mask set: its number, its 0/1 mask over the whole stack, how it looks. */
export interface MaskLayerSegment {
  number: number;
  /** Replaced, never mutated: a new array is copied to cornerstone again, the same one is not. */
  mask: Uint8Array;
  look: SegmentLook;
}

/** A mask set shown on the stack: one cornerstone segmentation per segment (overlaps stay apart). */
export interface MaskLayer {
  /** Which set it is (a segmentation id, 'agreement', 'assistant'): the same key keeps its layers. */
  key: string;
  /** What a person calls it, for the reason it cannot be shown. */
  name: string;
  /** [columns, rows, slices] of its masks. */
  shape: readonly [number, number, number];
  segments: readonly MaskLayerSegment[];
}

/** The stack's voxel grid: [columns, rows, slices]. */
export type StackGrid = readonly [number, number, number];

interface ShownLayer {
  display: LabelmapDisplay;
  /** Per segment number: the mask last copied (and its voxel count) and the look last set (as JSON, to compare). */
  segments: Map<number, { mask: Uint8Array; voxels: number; look: string }>;
}

/**
 * Keeps a list of mask sets on one stack viewport (and on the volume views while they show the same series),
 * changing in cornerstone only what changed since the last `sync`: a new mask is copied, a new look (colour,
 * visibility, opacity, fill/outline) only restyled.
 */
export class MaskLayers {
  private readonly shown = new Map<string, ShownLayer>();
  /** The volume views' viewports the layers are shown on too (empty while they show another series or none). */
  private volumeViewportIds: readonly string[] = [];

  constructor(
    private readonly target: LabelmapTarget,
    private readonly grid: StackGrid,
  ) {}

  /** Shows exactly `layers`; returns, in words, why any of them cannot be shown (empty when all are). */
  sync(layers: readonly MaskLayer[]): string[] {
    const problems: string[] = [];
    const wanted = new Set<string>();
    for (const layer of layers) {
      if (layer.shape.some((n, i) => n !== this.grid[i])) {
        problems.push(`${layer.name} is ${layer.shape.join('×')} voxels but this series is ${this.grid.join('×')}: it is not drawn`);
        continue;
      }
      wanted.add(layer.key);
      try {
        this.syncLayer(layer);
      } catch (e) {
        problems.push(`${layer.name} cannot be drawn: ${e instanceof Error ? e.message : String(e)}`);
        this.drop(layer.key);
      }
    }
    for (const key of [...this.shown.keys()]) if (!wanted.has(key)) this.drop(key);
    return problems;
  }

  destroy(): void {
    for (const key of [...this.shown.keys()]) this.drop(key);
  }

  /** Shows every layer, now and later synced ones, on these volume viewports of the same series too. */
  showOnVolumeViews(viewportIds: readonly string[]): void {
    this.hideFromVolumeViews();
    this.volumeViewportIds = [...viewportIds];
    for (const shown of this.shown.values()) for (const id of this.volumeViewportIds) shown.display.attachVolumeViewport(id);
  }

  /** Takes the layers off the volume views (their volume is about to go); the stack keeps them. */
  hideFromVolumeViews(): void {
    for (const shown of this.shown.values()) for (const id of this.volumeViewportIds) shown.display.detachVolumeViewport(id);
    this.volumeViewportIds = [];
  }

  /** The keys shown and the voxels of each of their segments (the e2e harness reads them). */
  get keys(): Record<string, Record<number, number>> {
    return Object.fromEntries([...this.shown].map(([key, shown]) => [key, Object.fromEntries([...shown.segments].map(([number, s]) => [number, s.voxels]))]));
  }

  private syncLayer(layer: MaskLayer): void {
    let shown = this.shown.get(layer.key);
    if (!shown) {
      shown = { display: new LabelmapDisplay(this.target), segments: new Map() };
      for (const id of this.volumeViewportIds) shown.display.attachVolumeViewport(id);
      this.shown.set(layer.key, shown);
    }
    const numbers = new Set<number>();
    for (const segment of layer.segments) {
      numbers.add(segment.number);
      const before = shown.segments.get(segment.number);
      const look = JSON.stringify(segment.look);
      if (!before || before.mask.length !== segment.mask.length) {
        shown.display.show(segment.number, segment.mask, segment.look);
        shown.segments.set(segment.number, { mask: segment.mask, voxels: countOf(segment.mask), look });
      } else if (before.mask !== segment.mask) {
        // A new version of the same segment (e.g. saved again): only the slices that differ are copied.
        shown.display.update(segment.number, segment.mask, changedSlices(before.mask, segment.mask, this.grid[0] * this.grid[1]));
        if (before.look !== look) shown.display.setLook(segment.number, segment.look);
        shown.segments.set(segment.number, { mask: segment.mask, voxels: countOf(segment.mask), look });
      } else if (before.look !== look) {
        shown.display.setLook(segment.number, segment.look);
        before.look = look;
      }
    }
    for (const number of [...shown.segments.keys()]) {
      if (numbers.has(number)) continue;
      shown.display.remove(number);
      shown.segments.delete(number);
    }
  }

  private drop(key: string): void {
    this.shown.get(key)?.display.destroy();
    this.shown.delete(key);
  }
}

function countOf(mask: Uint8Array): number {
  let voxels = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) voxels++;
  return voxels;
}

/** The slices (of `perSlice` voxels) where two masks of the same size differ. */
export function changedSlices(before: Uint8Array, after: Uint8Array, perSlice: number): number[] {
  const changed: number[] = [];
  for (let start = 0, z = 0; start < after.length; start += perSlice, z++) {
    const end = Math.min(after.length, start + perSlice);
    for (let i = start; i < end; i++) {
      if (before[i] !== after[i]) {
        changed.push(z);
        break;
      }
    }
  }
  return changed;
}
