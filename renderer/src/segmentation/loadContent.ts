// A stored segmentation's voxels as SegmentationContent (one 0/1 mask per segment), read through masks.data.
import type { Api } from '../../../core/contract/index';
import { MAX_MASK_DATA_BYTES, type MaskSetInfo } from '../../../core/contract/masks';
import { voxelCount, voxelsPerSlice, type SegmentationContent } from '../../../core/annotations/model';

export type LoadedContent = { ok: true; content: SegmentationContent; readOnlyReason: string | null } | { ok: false; reason: string };

/**
 * masks.data answers one label map, so segments that overlap arrive flattened: each segment's count is
 * checked against the store's own count, and a segmentation whose segments overlap is opened read-only
 * (saving from a flattened copy would cut the overlap away) with the reason said.
 */
export async function loadContent(api: Api, info: MaskSetInfo): Promise<LoadedContent> {
  const shape = info.shape;
  const total = voxelCount(shape);
  const perSlice = voxelsPerSlice(shape);
  const masks = new Map(info.segments.map((s) => [s.number, new Uint8Array(total)]));
  // 2 bytes a voxel at most (uint16 labels), so this many slices always fit in one answer.
  const slicesPerCall = Math.max(1, Math.floor(MAX_MASK_DATA_BYTES / (perSlice * 2)));
  for (let zStart = 0; zStart < shape[2]; zStart += slicesPerCall) {
    const data = await api['masks.data']({ maskSetId: info.maskSetId, zStart, zCount: Math.min(slicesPerCall, shape[2] - zStart) });
    if (!data.ok) return { ok: false, reason: `cannot read the voxels of ${info.name}: ${data.error.message}` };
    const { labels, zCount } = data.value;
    if (labels.length !== zCount * perSlice) return { ok: false, reason: `the voxels of ${info.name} came back as ${labels.length} values for ${zCount} slices of ${perSlice}` };
    const offset = zStart * perSlice;
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      if (label !== 0) {
        const mask = masks.get(label);
        if (mask) mask[offset + i] = 1;
      }
    }
  }
  const content: SegmentationContent = { shape: [shape[0], shape[1], shape[2]], segments: info.segments.map((s) => ({ ...s })), masks };
  const flattened = info.labels.find((l) => countOf(masks.get(l.value)) !== l.voxelCount);
  const readOnlyReason = flattened
    ? `its segments overlap: segment ${flattened.name ?? flattened.value} has ${flattened.voxelCount} voxels in the store but ${countOf(masks.get(flattened.value))} in the one label map masks.data hands out, so it is shown read-only rather than saved back without the overlap`
    : null;
  return { ok: true, content, readOnlyReason };
}

function countOf(mask: Uint8Array | undefined): number {
  if (!mask) return 0;
  let total = 0;
  for (let i = 0; i < mask.length; i++) total += mask[i];
  return total;
}
