// What an editor still has to save: the (segment, z) slices and whether the segment list changed since the last save.
import { packSlice, type SliceEdit } from '../../../core/annotations/delta';
import type { Segment, SegmentationContent } from '../../../core/annotations/model';
import type { ContentChange } from '../../../core/annotations/edit/operations';

/** One save's worth: the slices to send and whether to send the segment list with them. */
export interface SaveBatch {
  slices: { segment: number; z: number }[];
  withSegments: boolean;
}

export class PendingEdits {
  private readonly slices = new Map<string, { segment: number; z: number }>();
  private segmentsChanged = false;

  /** Records what one history apply/revert changed. */
  mark(change: Pick<ContentChange, 'edits' | 'segments'>): void {
    if (change.segments) this.segmentsChanged = true;
    for (const { segment, z } of change.edits) this.slices.set(`${segment}:${z}`, { segment, z });
  }

  get empty(): boolean {
    return this.slices.size === 0 && !this.segmentsChanged;
  }

  /** Takes everything pending as one batch (the next changes start a new one). */
  take(): SaveBatch {
    const batch = { slices: [...this.slices.values()], withSegments: this.segmentsChanged };
    this.slices.clear();
    this.segmentsChanged = false;
    return batch;
  }
}

/**
 * The store call's edits and segment list for a batch, packed from the content as it is now (a retry sends
 * what is there then). Slices of segments deleted since are left out: the segment list removes them.
 */
export function saveArgsOf(batch: SaveBatch, content: SegmentationContent): { edits: SliceEdit[]; segments?: Segment[] } {
  const edits: SliceEdit[] = [];
  for (const { segment, z } of batch.slices) {
    const mask = content.masks.get(segment);
    if (mask) edits.push({ segment, z, bits: packSlice(mask, content.shape, z) });
  }
  return batch.withSegments ? { edits, segments: content.segments.map((s) => ({ ...s })) } : { edits };
}

/** The distinct slices (z) of ascending flat voxel indices. */
export function slicesOf(indices: Uint32Array, perSlice: number): number[] {
  const slices: number[] = [];
  for (let k = 0; k < indices.length; k++) {
    const z = Math.floor(indices[k] / perSlice);
    if (slices[slices.length - 1] !== z) slices.push(z);
  }
  return slices;
}
