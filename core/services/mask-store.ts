import { labelMapOf } from '../annotations/from-mask-set';
import type { SegmentationContent } from '../annotations/model';
import type { MaskDtype, MaskSetInfo } from '../contract/masks';
import { err, type ApiError } from '../contract/result';
import type { SegmentMask } from '../masks/dicom-seg';
import { allocateMaskArray, bytesPerVoxel } from '../masks/mask-dtype';
import type { MaskSet } from '../masks/read-mask';
import type { LabelArray } from '../metrics/types';
import type { SegmentationRecord, StoreError, StoreResult, VersionInfo } from '../store/annotation-store';
import type { StoreHandle } from '../store/store-handle';

/** A stored segmentation loaded for scoring and overlays: what the page sees (info) and the voxels. */
export interface StoredMask {
  info: MaskSetInfo;
  /** The label map, and every segment whole (overlaps survive) in `segments`. */
  maskSet: MaskSet;
  /** The narrowest dtype holding its labels, what masks.data sends. */
  dtype: MaskDtype;
}

/**
 * Loaded versions kept in memory: up to this many bytes (a 512×512×500 segmentation is ~130 MB per
 * segment plus its label map), and always the last two (a truth and a prediction being scored).
 */
const LOADED_BYTES_LIMIT = 1024 ** 3;
const LOADED_KEEP = 2;

const bytesOf = (mask: StoredMask): number =>
  mask.maskSet.volume.data.byteLength + [...(mask.maskSet.segments?.values() ?? [])].reduce((n, s) => n + s.volume.data.byteLength, 0);

/** Store failures as contract errors: a conflict is the caller's to resolve (conflict), io is retryable (io_error). */
export function apiErrorOf(error: StoreError): { ok: false; error: ApiError } {
  const code = error.kind === 'conflict' ? 'conflict' : error.kind === 'not_found' ? 'not_found' : error.kind === 'bad_input' ? 'bad_input' : 'io_error';
  return err(code, error.message);
}

/** The contract's view of a stored segmentation at one version. */
export function maskInfoOf(record: SegmentationRecord, version: VersionInfo, readOnly: boolean): MaskSetInfo {
  const origin = record.provenance.origin;
  return {
    maskSetId: record.id,
    path: origin.kind === 'file' ? origin.path : '',
    name: record.name,
    shape: [version.shape[0], version.shape[1], version.shape[2]],
    spacingMm: record.spacingMm,
    labels: [...version.segments].sort((a, b) => a.number - b.number).map((s) => ({ value: s.number, name: s.label, voxelCount: version.voxelCounts[s.number] ?? 0 })),
    seriesInstanceUid: record.seriesKey,
    seriesFrom: origin.kind === 'file' && origin.format === 'dicom-seg' ? 'file' : 'caller',
    provenance: record.provenance,
    segments: version.segments,
    createdAt: record.createdAt,
    headVersion: record.head.number,
    versionCount: record.versionCount,
    version: version.number,
    readOnly,
    groundTruth: record.groundTruth,
  };
}

/** A loaded content as the MaskSet the scoring kernels take: the label map plus each segment whole. */
export function maskSetOfContent(record: SegmentationRecord, content: SegmentationContent): MaskSet {
  const origin = record.provenance.origin;
  const source = origin.kind === 'file' ? origin.path : record.name;
  const spacingMm = record.spacingMm;
  const segments = new Map<number, SegmentMask>();
  for (const segment of content.segments) {
    const mask = content.masks.get(segment.number);
    if (!mask) continue;
    let voxelCount = 0;
    for (let i = 0; i < mask.length; i++) voxelCount += mask[i];
    segments.set(segment.number, { label: segment.number, name: segment.label, voxelCount, volume: { data: mask, shape: content.shape, spacingMm, source: `${source} segment ${segment.number}` } });
  }
  return {
    source,
    // Only fitting a file to its series reads the format, and stored contents are fitted already.
    format: origin.kind === 'file' ? origin.format : 'dicom-seg',
    volume: { data: labelMapOf(content), shape: content.shape, spacingMm, source },
    segments,
    labelNames: Object.fromEntries(content.segments.map((s) => [s.number, s.label])),
    referencedSeriesUid: record.seriesKey,
  };
}

/**
 * The stored segmentations the mask calls work on: the annotation store behind a StoreHandle, and a
 * small cache of loaded versions (a version never changes once saved, so a cached one is never stale).
 */
export class MaskStore {
  private readonly loadedByKey = new Map<string, StoredMask>();

  constructor(readonly handle: StoreHandle) {}

  /** The head version, or an older one (read-only), loaded whole. */
  load(id: string, version?: number): StoreResult<StoredMask> {
    const record = this.handle.use((store) => store.get(id));
    if (!record.ok) return record;
    if (record.value.deletedAt !== null) return { ok: false, error: { kind: 'not_found', message: `segmentation ${id}: was deleted` } };
    const number = version ?? record.value.head.number;
    const key = `${id}@${number}`;
    const cached = this.loadedByKey.get(key);
    // The record (name, ground truth, head) may have changed since: refresh the info, keep the voxels.
    if (cached) return { ok: true, value: this.touch(key, { ...cached, info: this.infoFor(record.value, cached.info, number) }) };
    const loaded = this.handle.use((store) => store.load(id, number));
    if (!loaded.ok) return loaded;
    const { version: v, content } = loaded.value;
    const maxNumber = Math.max(0, ...content.segments.map((s) => s.number));
    const mask: StoredMask = {
      info: maskInfoOf(record.value, v, number !== record.value.head.number),
      maskSet: maskSetOfContent(record.value, content),
      dtype: maxNumber > 0xff ? 'uint16' : 'uint8',
    };
    return { ok: true, value: this.touch(key, mask) };
  }

  private infoFor(record: SegmentationRecord, previous: MaskSetInfo, number: number): MaskSetInfo {
    return { ...previous, name: record.name, headVersion: record.head.number, versionCount: record.versionCount, groundTruth: record.groundTruth, readOnly: number !== record.head.number };
  }

  private touch(key: string, mask: StoredMask): StoredMask {
    this.loadedByKey.delete(key);
    this.loadedByKey.set(key, mask);
    let total = 0;
    for (const loaded of this.loadedByKey.values()) total += bytesOf(loaded);
    while (this.loadedByKey.size > LOADED_KEEP && total > LOADED_BYTES_LIMIT) {
      const [oldestKey, oldest] = this.loadedByKey.entries().next().value as [string, StoredMask];
      total -= bytesOf(oldest);
      this.loadedByKey.delete(oldestKey);
    }
    return mask;
  }
}

export { bytesPerVoxel };

/** Copies voxels [start, end) into a new array of the given dtype (values already known to fit). */
export function sliceAs(data: LabelArray, dtype: MaskDtype, start: number, end: number): LabelArray {
  const out = allocateMaskArray(dtype, end - start);
  out.set(data.subarray(start, end));
  return out;
}
