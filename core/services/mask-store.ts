import type { MaskDtype, MaskLabel, MaskSetInfo } from '../contract/masks';
import { allocateMaskArray, bytesPerVoxel } from '../masks/mask-dtype';
import type { MaskSet } from '../masks/read-mask';
import type { LabelArray } from '../metrics/types';

/** An opened mask set: what the page sees (info) and the voxels the service keeps. */
export interface StoredMask {
  info: MaskSetInfo;
  /** As read: the label map, and for a SEG every segment whole (overlaps survive). */
  maskSet: MaskSet;
  /** The narrowest dtype holding its labels, what masks.data sends. */
  dtype: MaskDtype;
}

/** Mask sets opened this session, by id. In memory only; the persistent annotation store comes later. */
export class MaskStore {
  private readonly byId = new Map<string, StoredMask>();
  private nextId = 1;

  newId(): string {
    return `mask-${this.nextId++}`;
  }

  add(mask: StoredMask): void {
    this.byId.set(mask.info.maskSetId, mask);
  }

  get(maskSetId: string): StoredMask | undefined {
    return this.byId.get(maskSetId);
  }

  forSeries(seriesInstanceUid: string): MaskSetInfo[] {
    return [...this.byId.values()].filter((m) => m.info.seriesInstanceUid === seriesInstanceUid).map((m) => m.info);
  }
}

/** Voxel count per label value (0 included) and the value range, in one pass. */
export function countLabels(data: LabelArray): { counts: Map<number, number>; min: number; max: number } {
  const counts = new Map<number, number>();
  if (data.length === 0) return { counts, min: 0, max: 0 };
  // Small unsigned types count into a dense histogram: no Map lookup per voxel.
  if (data instanceof Uint8Array || data instanceof Uint16Array) {
    const histogram = new Float64Array(data instanceof Uint8Array ? 0x100 : 0x10000);
    for (let i = 0; i < data.length; i++) histogram[data[i]]++;
    let min = -1;
    let max = 0;
    for (let value = 0; value < histogram.length; value++) {
      if (histogram[value] === 0) continue;
      counts.set(value, histogram[value]);
      if (min < 0) min = value;
      max = value;
    }
    return { counts, min, max };
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    counts.set(value, (counts.get(value) ?? 0) + 1);
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { counts, min, max };
}

/** Foreground labels (value ≠ 0) ascending, with names where the file gave them. */
export function labelList(counts: Map<number, number>, names: ReadonlyMap<number, string>): MaskLabel[] {
  return [...counts.entries()]
    .filter(([value]) => value !== 0)
    .sort((a, b) => a[0] - b[0])
    .map(([value, voxelCount]) => ({ value, name: names.get(value) ?? null, voxelCount }));
}

/** The narrowest dtype for a value range; the page allocates that typed array for the overlay. */
export function narrowestDtype(min: number, max: number): MaskDtype {
  const lo = Math.min(min, 0);
  if (lo >= 0) return max <= 0xff ? 'uint8' : max <= 0xffff ? 'uint16' : 'uint32';
  if (lo >= -0x80 && max <= 0x7f) return 'int8';
  if (lo >= -0x8000 && max <= 0x7fff) return 'int16';
  return 'int32';
}

export { bytesPerVoxel };

/** Copies voxels [start, end) into a new array of the given dtype (values already known to fit). */
export function sliceAs(data: LabelArray, dtype: MaskDtype, start: number, end: number): LabelArray {
  const out = allocateMaskArray(dtype, end - start);
  out.set(data.subarray(start, end));
  return out;
}
