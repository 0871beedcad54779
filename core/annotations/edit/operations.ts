// History operations for every edit: mask changes, segment add / delete / update, measurement add / move / delete.
// Pure: they change a SegmentationContent in place and tell the caller through callbacks what to save or redraw.
import { applyDelta, packSlice, revertDelta, writeSlice, type Delta, type SliceEdit } from '../delta';
import { segmentSchema, type Segment, type SegmentationContent } from '../model';
import { deltaBytes } from './changes';
import type { HistoryOperation } from './history';

/** What an operation just changed, in the store's terms (AnnotationStore.saveEdits's edits and segment list). */
export interface ContentChange {
  content: SegmentationContent;
  /** Slices whose new bits must be saved and redrawn (null = now empty). */
  edits: SliceEdit[];
  /** The new segment list, when the operation changed it. */
  segments?: Segment[];
}

export interface OperationOptions {
  label?: string;
  /** Called after every apply and revert (save through the store, refresh the labelmap). */
  onChange?: (change: ContentChange) => void;
}

const SEGMENT_LIST_BYTES = 512;

/**
 * A mask edit as an operation: apply writes the delta's new bits, revert its old ones. Kernels edit the mask
 * in place, so the edit is usually already applied when this is made: `history.push(op)` records it, or
 * `history.perform(op)` writes it again (same bits, cheap) and so also calls onChange to save it.
 */
export function maskChangeOperation(content: SegmentationContent, delta: Delta, opts: OperationOptions = {}): HistoryOperation {
  const segmentsAfter = delta.segments?.after;
  const segmentsBefore = delta.segments?.before;
  return {
    label: opts.label ?? 'edit mask',
    bytes: deltaBytes(delta) + (delta.segments ? SEGMENT_LIST_BYTES : 0),
    apply() {
      applyDelta(content, delta);
      opts.onChange?.({ content, edits: delta.slices.map(({ segment, z, bits }) => ({ segment, z, bits })), ...(segmentsAfter ? { segments: segmentsAfter } : {}) });
    },
    revert() {
      revertDelta(content, delta);
      opts.onChange?.({ content, edits: delta.slices.map(({ segment, z, before }) => ({ segment, z, bits: before })), ...(segmentsBefore ? { segments: segmentsBefore } : {}) });
    },
  };
}

function segmentListOperation(content: SegmentationContent, before: Segment[], after: Segment[], label: string, opts: OperationOptions): HistoryOperation {
  return maskChangeOperation(content, { slices: [], segments: { before, after } }, { ...opts, label: opts.label ?? label });
}

function checkSegment(kernel: string, segment: Segment): void {
  const parsed = segmentSchema.safeParse(segment);
  if (!parsed.success) throw new RangeError(`${kernel}: segment ${segment.number}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'} ${i.message}`).join('; ')}`);
}

/** Adds a new, empty segment (not yet applied: `history.perform(op)`). */
export function addSegmentOperation(content: SegmentationContent, segment: Segment, opts: OperationOptions = {}): HistoryOperation {
  checkSegment('addSegmentOperation', segment);
  if (content.segments.some((s) => s.number === segment.number)) throw new RangeError(`addSegmentOperation: segment number ${segment.number} is already used`);
  const before = content.segments.map((s) => ({ ...s }));
  return segmentListOperation(content, before, [...before, { ...segment }], `add segment ${segment.label}`, opts);
}

/** Changes a segment's label, colour or codes, keeping its number and voxels (not yet applied: `history.perform(op)`). */
export function updateSegmentOperation(content: SegmentationContent, number: number, patch: Partial<Omit<Segment, 'number'>>, opts: OperationOptions = {}): HistoryOperation {
  const old = content.segments.find((s) => s.number === number);
  if (!old) throw new RangeError(`updateSegmentOperation: the segmentation has no segment ${number}`);
  const updated = { ...old, ...patch, number };
  checkSegment('updateSegmentOperation', updated);
  const before = content.segments.map((s) => ({ ...s }));
  const after = before.map((s) => (s.number === number ? updated : s));
  const what = patch.label !== undefined && patch.label !== old.label ? `rename segment ${old.label} to ${patch.label}` : `change segment ${old.label}`;
  return segmentListOperation(content, before, after, what, opts);
}

/**
 * Deletes a segment with its voxels; revert brings both back (not yet applied: `history.perform(op)`).
 * The voxels are kept packed, one bit a voxel, only for the slices that had any.
 */
export function deleteSegmentOperation(content: SegmentationContent, number: number, opts: OperationOptions = {}): HistoryOperation {
  const old = content.segments.find((s) => s.number === number);
  const mask = content.masks.get(number);
  if (!old) throw new RangeError(`deleteSegmentOperation: the segmentation has no segment ${number}`);
  const kept: SliceEdit[] = [];
  if (mask) {
    for (let z = 0; z < content.shape[2]; z++) {
      const bits = packSlice(mask, content.shape, z);
      if (bits) kept.push({ segment: number, z, bits });
    }
  }
  const before = content.segments.map((s) => ({ ...s }));
  const after = before.filter((s) => s.number !== number);
  // Removing the segment drops its mask; bringing it back starts empty, then the kept slices are written.
  const list: Delta = { slices: [], segments: { before, after } };
  return {
    label: opts.label ?? `delete segment ${old.label}`,
    bytes: SEGMENT_LIST_BYTES + kept.reduce((total, e) => total + 64 + (e.bits?.length ?? 0), 0),
    apply() {
      applyDelta(content, list);
      opts.onChange?.({ content, edits: [], segments: after });
    },
    revert() {
      revertDelta(content, list);
      const restored = content.masks.get(number)!;
      for (const edit of kept) writeSlice(restored, content.shape, edit.z, edit.bits);
      opts.onChange?.({ content, edits: kept, segments: before });
    },
  };
}

/** How measurement operations reach the measurement list and the store (they hold no measurement state themselves). */
export interface MeasurementCallbacks<M> {
  /** Creates or overwrites the measurement (same id). */
  save(measurement: M): void;
  remove(measurement: M): void;
}

const MEASUREMENT_BYTES = 256;

/** A measurement drawn (not yet applied: `history.perform(op)` saves it). */
export function measurementAddOperation<M>(measurement: M, callbacks: MeasurementCallbacks<M>, label = 'add measurement'): HistoryOperation {
  return { label, bytes: MEASUREMENT_BYTES, apply: () => callbacks.save(measurement), revert: () => callbacks.remove(measurement) };
}

/** A measurement moved or edited from `before` to `after` (the same id). */
export function measurementMoveOperation<M>(before: M, after: M, callbacks: MeasurementCallbacks<M>, label = 'move measurement'): HistoryOperation {
  return { label, bytes: 2 * MEASUREMENT_BYTES, apply: () => callbacks.save(after), revert: () => callbacks.save(before) };
}

/** A measurement deleted; revert saves it again. */
export function measurementDeleteOperation<M>(measurement: M, callbacks: MeasurementCallbacks<M>, label = 'delete measurement'): HistoryOperation {
  return { label, bytes: MEASUREMENT_BYTES, apply: () => callbacks.remove(measurement), revert: () => callbacks.save(measurement) };
}

/** Several operations as one undo step (an eraser across every segment, interpolating each segment): applied in order, reverted in reverse. */
export function compositeOperation(label: string, operations: readonly HistoryOperation[]): HistoryOperation {
  const parts = [...operations];
  return {
    label,
    bytes: parts.reduce((total, op) => total + op.bytes, 0),
    apply() {
      for (const op of parts) op.apply();
    },
    revert() {
      for (let k = parts.length - 1; k >= 0; k--) parts[k].revert();
    },
  };
}
