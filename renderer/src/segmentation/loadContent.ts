// A stored segmentation's voxels as SegmentationContent (one 0/1 mask per segment), read through masks.data.
import type { Api } from '../../../core/contract/index';
import { MAX_MASK_DATA_BYTES, type MaskSetInfo } from '../../../core/contract/masks';
import { voxelCount, voxelsPerSlice, type SegmentationContent } from '../../../core/annotations/model';

/**
 * An answer's size at most (bytes at 2 a voxel): 32 slices of 256×256, 8 of 512×512, so decoding and copying one
 * stays near 10 ms; one answer of a whole 96-slice series was one 50–130 ms task (and 24 MiB answers of a CT more).
 */
const READ_BYTES = 4 * 1024 * 1024;

export type LoadedContent = { ok: true; content: SegmentationContent } | { ok: false; reason: string };

/**
 * Reads the one label map first (one call for every segment). Where segments overlap, a shared voxel
 * carries only one label, so a segment whose count falls short of the store's own count is read again
 * on its own (masks.data with `segment`): every segment arrives whole and stays editable.
 */
export async function loadContent(api: Api, info: MaskSetInfo): Promise<LoadedContent> {
  const shape = info.shape;
  const total = voxelCount(shape);
  const masks = new Map(info.segments.map((s) => [s.number, new Uint8Array(total)]));
  // Indexed by label: a Map lookup per foreground voxel made this loop the open's longest task.
  const maskOfLabel: (Uint8Array | undefined)[] = [];
  for (const [number, mask] of masks) maskOfLabel[number] = mask;
  const labelMap = await readSlices(api, info, undefined, (offset, labels) => {
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      if (label !== 0) {
        const mask = maskOfLabel[label];
        if (mask) mask[offset + i] = 1;
      }
    }
  });
  if (labelMap) return { ok: false, reason: labelMap };
  for (const label of info.labels) {
    const mask = masks.get(label.value);
    if (!mask || countOf(mask) === label.voxelCount) continue;
    // The label map gave some of this segment's voxels to another segment: read it whole.
    const whole = await readSlices(api, info, label.value, (offset, bits) => mask.set(bits, offset));
    if (whole) return { ok: false, reason: whole };
    const count = countOf(mask);
    if (count !== label.voxelCount) {
      return { ok: false, reason: `the voxels of ${info.name} do not match the store: segment ${label.name ?? label.value} has ${label.voxelCount} voxels listed but ${count} read` };
    }
  }
  const content: SegmentationContent = { shape: [shape[0], shape[1], shape[2]], segments: info.segments.map((s) => ({ ...s })), masks };
  return { ok: true, content };
}

/**
 * Reads every slice of the label map (segment undefined) or of one segment's own mask, in answers
 * under the size limit, handing each to `take` with its flat voxel offset; a reason on failure, else null.
 */
async function readSlices(
  api: Api,
  info: MaskSetInfo,
  segment: number | undefined,
  take: (offset: number, values: ArrayLike<number> & { length: number }) => void,
): Promise<string | null> {
  const shape = info.shape;
  const perSlice = voxelsPerSlice(shape);
  // 2 bytes a voxel at most (uint16 labels), so this many slices always fit in one answer; and no more than
  // READ_BYTES: each answer is decoded and copied in one task, and the page paints between answers.
  const slicesPerCall = Math.max(1, Math.floor(Math.min(MAX_MASK_DATA_BYTES, READ_BYTES) / (perSlice * 2)));
  const what = segment === undefined ? `the voxels of ${info.name}` : `the voxels of segment ${segment} of ${info.name}`;
  for (let zStart = 0; zStart < shape[2]; zStart += slicesPerCall) {
    const zCount = Math.min(slicesPerCall, shape[2] - zStart);
    const data = await api['masks.data']({ maskSetId: info.maskSetId, version: info.version, zStart, zCount, ...(segment === undefined ? {} : { segment }) });
    if (!data.ok) return `cannot read ${what}: ${data.error.message}`;
    const { labels } = data.value;
    if (labels.length !== data.value.zCount * perSlice) return `${what} came back as ${labels.length} values for ${data.value.zCount} slices of ${perSlice}`;
    take(zStart * perSlice, labels);
  }
  return null;
}

function countOf(mask: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < mask.length; i++) total += mask[i];
  return total;
}
