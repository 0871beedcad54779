// Per-slice deltas: which (segment, z) slices changed, bit-packed, with apply and revert (undo/redo, saving an edit).
import { bytesEqual, isEmptyRange, packBits, unpackBitsInto } from './bits';
import { voxelCount, voxelsPerSlice, type Segment, type SegmentationContent, type Shape } from './model';

/** One slice's new content: packed bits of segment `segment` at slice z, or null for an empty slice. */
export interface SliceEdit {
  segment: number;
  z: number;
  bits: Uint8Array | null;
}

/** A slice edit that also remembers what it replaced, so it can be reverted. */
export interface SliceChange extends SliceEdit {
  before: Uint8Array | null;
}

/** A change of a segmentation: its slice changes and, when the segment list changed, both lists. */
export interface Delta {
  slices: SliceChange[];
  segments?: { before: Segment[]; after: Segment[] };
}

/** The packed bits of one slice of a mask, or null when the slice is empty. */
export function packSlice(mask: Uint8Array, shape: Shape, z: number): Uint8Array | null {
  const n = voxelsPerSlice(shape);
  return isEmptyRange(mask, z * n, n) ? null : packBits(mask, z * n, n);
}

/** Writes packed bits (null = empty) into slice z of a mask. */
export function writeSlice(mask: Uint8Array, shape: Shape, z: number, bits: Uint8Array | null): void {
  const n = voxelsPerSlice(shape);
  if (bits === null) mask.fill(0, z * n, (z + 1) * n);
  else unpackBitsInto(bits, n, mask, z * n);
}

function checkEdit(content: SegmentationContent, edit: SliceEdit): Uint8Array {
  const mask = content.masks.get(edit.segment);
  if (!mask) throw new RangeError(`slice edit names segment ${edit.segment}, which the segmentation does not have`);
  if (!Number.isInteger(edit.z) || edit.z < 0 || edit.z >= content.shape[2]) {
    throw new RangeError(`slice edit of segment ${edit.segment}: z ${edit.z} is outside 0…${content.shape[2] - 1}`);
  }
  const needed = (voxelsPerSlice(content.shape) + 7) >> 3;
  if (edit.bits !== null && edit.bits.length !== needed) {
    throw new RangeError(`slice edit of segment ${edit.segment} at z ${edit.z}: ${edit.bits.length} packed bytes, a slice needs ${needed}`);
  }
  return mask;
}

/** Applies slice edits in place and returns the changes (with what each replaced) for undo; unchanged slices are left out. */
export function applyEdits(content: SegmentationContent, edits: readonly SliceEdit[]): SliceChange[] {
  const changes: SliceChange[] = [];
  for (const edit of edits) {
    const mask = checkEdit(content, edit);
    const before = packSlice(mask, content.shape, edit.z);
    if (bytesEqual(before, edit.bits)) continue;
    writeSlice(mask, content.shape, edit.z, edit.bits);
    changes.push({ ...edit, before });
  }
  return changes;
}

/** Applies a delta in place (redo). */
export function applyDelta(content: SegmentationContent, delta: Delta): void {
  if (delta.segments) setSegments(content, delta.segments.after);
  for (const change of delta.slices) writeSlice(checkEdit(content, change), content.shape, change.z, change.bits);
}

/** Reverts a delta in place (undo): slices in reverse order, then the segment list. */
export function revertDelta(content: SegmentationContent, delta: Delta): void {
  for (const change of [...delta.slices].reverse()) writeSlice(checkEdit(content, change), content.shape, change.z, change.before);
  if (delta.segments) setSegments(content, delta.segments.before);
}

/** Replaces the segment list: new segments get an empty mask, removed ones lose theirs. */
function setSegments(content: SegmentationContent, segments: Segment[]): void {
  const numbers = new Set(segments.map((s) => s.number));
  for (const number of [...content.masks.keys()]) if (!numbers.has(number)) content.masks.delete(number);
  for (const number of numbers) if (!content.masks.has(number)) content.masks.set(number, new Uint8Array(voxelCount(content.shape)));
  content.segments = segments.map((s) => ({ ...s }));
}

/** The slices that differ between two contents of the same shape (a segment missing on one side counts as empty). */
export function diffContents(before: SegmentationContent, after: SegmentationContent): SliceChange[] {
  if (before.shape.some((n, i) => n !== after.shape[i])) {
    throw new RangeError(`cannot diff a ${before.shape.join('×')} segmentation against a ${after.shape.join('×')} one`);
  }
  const numbers = [...new Set([...before.masks.keys(), ...after.masks.keys()])].sort((a, b) => a - b);
  const changes: SliceChange[] = [];
  const n = voxelsPerSlice(before.shape);
  for (const segment of numbers) {
    const a = before.masks.get(segment);
    const b = after.masks.get(segment);
    for (let z = 0; z < before.shape[2]; z++) {
      if (a && b && rangeEqual(a, b, z * n, n)) continue;
      const beforeBits = a ? packSlice(a, before.shape, z) : null;
      const afterBits = b ? packSlice(b, after.shape, z) : null;
      if (!bytesEqual(beforeBits, afterBits)) changes.push({ segment, z, bits: afterBits, before: beforeBits });
    }
  }
  return changes;
}

function rangeEqual(a: Uint8Array, b: Uint8Array, start: number, count: number): boolean {
  for (let i = start, end = start + count; i < end; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A deep copy (the store hands out copies so a caller's edits never touch a loaded version). */
export function cloneContent(content: SegmentationContent): SegmentationContent {
  return {
    shape: [content.shape[0], content.shape[1], content.shape[2]],
    segments: content.segments.map((s) => ({ ...s })),
    masks: new Map([...content.masks].map(([k, v]) => [k, v.slice()])),
  };
}
