// The one owner of an editable segmentation in the page: its content, how each segment looks, its labelmap
// layers, its history operations and its autosave. Everything that changes voxels or segments goes through here.
import type { Api } from '../../../core/contract/index';
import type { MaskSetInfo } from '../../../core/contract/masks';
import { voxelsPerSlice, type Segment, type SegmentationContent } from '../../../core/annotations/model';
import { labelColor } from '../../../core/annotations/palette';
import { paintStroke, type BrushStroke } from '../../../core/annotations/edit/brush';
import { deltaOfChange, mergeChanges } from '../../../core/annotations/edit/changes';
import { fillContour } from '../../../core/annotations/edit/contour';
import { interpolateSlices } from '../../../core/annotations/edit/interpolate';
import { keepLargestComponent, removeIslands } from '../../../core/annotations/edit/islands';
import { floodFill } from '../../../core/annotations/edit/region-grow';
import { paintThresholdStroke } from '../../../core/annotations/edit/threshold';
import type { EditHistory, HistoryOperation } from '../../../core/annotations/edit/history';
import {
  addSegmentOperation,
  deleteSegmentOperation,
  maskChangeOperation,
  updateSegmentOperation,
  type ContentChange,
} from '../../../core/annotations/edit/operations';
import type { EditVolume, Ijk, ValueRange } from '../../../core/annotations/edit/types';
import type { SaveQueue } from '../scoring/saveQueue.svelte';
import type { SegmentLook } from './labelmapDisplay';
import { PendingEdits, saveArgsOf, slicesOf } from './pendingEdits';
import type { StackGeometry } from './stackGeometry';

/** How a segment is shown and whether it may be edited; view state, not saved and not undone. */
export interface SegmentView {
  visible: boolean;
  locked: boolean;
  opacity: number;
  /** Inside filled, rim drawn (the labelmap representation's renderFill / renderOutline). */
  fill: boolean;
  outline: boolean;
}

/** Where the segments are drawn: LabelmapDisplay, one cornerstone labelmap layer per segment on the stack viewport. */
export interface LayerDisplay {
  show(segment: number, mask: Uint8Array, look: SegmentLook): void;
  update(segment: number, mask: Uint8Array, slices: Iterable<number>): void;
  setLook(segment: number, look: SegmentLook): void;
  remove(segment: number): void;
  destroy(): void;
}

const DEFAULT_OPACITY = 0.5;
const defaultView = (): SegmentView => ({ visible: true, locked: false, opacity: DEFAULT_OPACITY, fill: true, outline: true });
/** Edits are saved this long after the last one (the issue asks for ≤ 2 s). */
export const AUTOSAVE_DELAY_MS = 700;

/** What changed, for whoever listens (the segmentation state: the list's versions, undo/redo availability). */
export type EditorEvent = { kind: 'data-modified'; segment: number; slices: number[] } | { kind: 'segments-modified' } | { kind: 'saved'; headVersion: number };

/** A slice's modality values (HU for CT), x fastest; a reason in words when they cannot be read. */
export type SliceValues = (z: number) => Float32Array | string;

/** The threshold brush's constraint: only voxels whose value lies in `range` change. */
export interface StrokeThreshold {
  range: ValueRange;
  /** Says the range in the history label (a preset's name). */
  name: string;
  values: SliceValues;
}

interface ActiveStroke {
  segment: number;
  value: 0 | 1;
  changed: Uint32Array;
  lastIjk: Ijk;
  threshold: StrokeThreshold | null;
  shape: BrushStroke['shape'];
  /** The plane the stroke is drawn in (ijk axes): the stack's slices, or a volume view's plane. */
  planeNormal: BrushStroke['planeNormal'];
}

export class SegmentationEditor {
  info = $state.raw<MaskSetInfo>(null as unknown as MaskSetInfo);
  segments = $state.raw<Segment[]>([]);
  views = $state.raw<ReadonlyMap<number, SegmentView>>(new Map());
  /** Foreground voxels per segment number, kept per slice so an edit recounts only its slices. */
  voxelCounts = $state.raw<ReadonlyMap<number, number>>(new Map());
  /** The same per slice (index z), for the panel and tests: which slices a segment has voxels on. */
  sliceVoxelCounts = $state.raw<ReadonlyMap<number, readonly number[]>>(new Map());
  activeSegment = $state<number | null>(null);
  /** Edits made here that the store has not confirmed yet (waiting for the autosave, or being saved). */
  unsaved = $state(false);
  private savesInFlight = 0;
  private performedAny = false;

  private readonly sliceCounts = new Map<number, Uint32Array>();
  private display: LayerDisplay | null = null;
  private readonly pending = new PendingEdits();
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private stroke: ActiveStroke | null = null;
  private readonly listeners = new Set<(event: EditorEvent) => void>();

  constructor(
    private readonly api: Api,
    info: MaskSetInfo,
    /** The voxels; history operations hold this object, so it lives as long as the editor. */
    readonly content: SegmentationContent,
    readonly grid: StackGeometry,
    readonly history: EditHistory,
    private readonly saves: SaveQueue,
    /** Why this segmentation cannot be edited here (shown, not changed), or null. */
    readonly readOnlyReason: string | null = null,
  ) {
    this.info = info;
    this.syncSegments();
  }

  get maskSetId(): string {
    return this.info.maskSetId;
  }

  get editable(): boolean {
    return this.readOnlyReason === null;
  }

  /** Who hears about changes (OHIF's SEGMENTATION_DATA_MODIFIED, on this one owner); returns the unsubscribe. */
  subscribe(listener: (event: EditorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Shows every segment through a display (the stack viewport's labelmaps: one layer each). */
  showOn(display: LayerDisplay): void {
    this.hide();
    this.display = display;
    for (const segment of this.content.segments) this.display.show(segment.number, this.maskOf(segment.number), this.lookOf(segment.number));
  }

  /** Removes the layers (another segmentation or series is shown); content and history stay. */
  hide(): void {
    this.display?.destroy();
    this.display = null;
  }

  // --- segment list (each one history operation) ---

  addSegment(label?: string): void {
    if (!this.editable) return;
    const number = Math.max(0, ...this.content.segments.map((s) => s.number)) + 1;
    const color = labelColor(number);
    this.perform(addSegmentOperation(this.content, { number, label: label?.trim() || `Segment ${number}`, color: [color[0], color[1], color[2]] }, { onChange: this.applied }));
    this.activeSegment = number;
  }

  renameSegment(number: number, label: string): void {
    const trimmed = label.trim();
    const segment = this.segmentOf(number);
    if (!this.editable || !segment || !trimmed || trimmed === segment.label) return;
    this.perform(updateSegmentOperation(this.content, number, { label: trimmed }, { onChange: this.applied }));
  }

  recolorSegment(number: number, color: [number, number, number]): void {
    const segment = this.segmentOf(number);
    if (!this.editable || !segment || segment.color.every((c, i) => c === color[i])) return;
    this.perform(updateSegmentOperation(this.content, number, { color }, { onChange: this.applied }));
  }

  /** The store keeps at least one segment, so the last one cannot be deleted. */
  canDeleteSegment(number: number): boolean {
    // The reactive copy of the list, so a delete button follows segments added or removed since.
    return this.editable && this.segments.length > 1 && this.segments.some((s) => s.number === number);
  }

  deleteSegment(number: number): void {
    if (!this.canDeleteSegment(number)) return;
    this.perform(deleteSegmentOperation(this.content, number, { onChange: this.applied }));
  }

  // --- view state ---

  setView(number: number, patch: Partial<SegmentView>): void {
    const current = this.views.get(number);
    if (!current) return;
    const next = new Map(this.views);
    next.set(number, { ...current, ...patch });
    this.views = next;
    this.display?.setLook(number, this.lookOf(number));
  }

  // --- strokes ---

  /** Why a stroke cannot start now, or null. */
  strokeRefusal(): string | null {
    if (!this.editable) return this.readOnlyReason;
    if (this.activeSegment === null || !this.segmentOf(this.activeSegment)) return 'choose a segment to draw on';
    if (this.views.get(this.activeSegment)?.locked) return `segment ${this.segmentOf(this.activeSegment)?.label} is locked`;
    return null;
  }

  /**
   * Starts a stroke of the active segment at ijk (paint: value 1, erase: 0), constrained to a value range
   * when `threshold` is given (the threshold brush); false when none can start. A sphere also paints the
   * neighbouring slices within radiusMm (the threshold brush stays on the slice: it reads one slice's values).
   */
  beginStroke(
    ijk: Ijk,
    value: 0 | 1,
    radiusMm: number,
    threshold: StrokeThreshold | null = null,
    shape: BrushStroke['shape'] = 'circle',
    planeNormal: BrushStroke['planeNormal'] = [0, 0, 1],
  ): boolean {
    if (this.strokeRefusal() !== null || this.activeSegment === null) return false;
    this.stroke = { segment: this.activeSegment, value, changed: new Uint32Array(0), lastIjk: ijk, threshold, shape, planeNormal };
    this.paintSegment(ijk, radiusMm);
    return true;
  }

  extendStroke(ijk: Ijk, radiusMm: number): void {
    if (this.stroke) this.paintSegment(ijk, radiusMm);
  }

  /** Ends the stroke: one history operation (undone as a whole), saved shortly after. */
  endStroke(): void {
    const stroke = this.stroke;
    this.stroke = null;
    if (!stroke || stroke.changed.length === 0) return;
    const delta = deltaOfChange(this.content, stroke.segment, stroke.changed);
    // Already painted: perform writes the same bits again and reports them for counting and saving.
    const label = stroke.threshold ? `threshold brush stroke (${stroke.threshold.name})` : stroke.value ? 'brush stroke' : 'eraser stroke';
    this.perform(maskChangeOperation(this.content, delta, { label, onChange: this.applied }));
  }

  private paintSegment(toIjk: Ijk, radiusMm: number): void {
    const stroke = this.stroke;
    if (!stroke) return;
    const brush: BrushStroke = { fromIjk: stroke.lastIjk, toIjk, radiusMm, shape: stroke.shape, planeNormal: stroke.planeNormal };
    const changed = stroke.threshold
      ? this.paintThresholdSlice(stroke.segment, brush, stroke.value, stroke.threshold)
      : paintStroke(this.maskOf(stroke.segment), this.volume(), brush, stroke.value);
    stroke.lastIjk = toIjk;
    if (!changed.length) return;
    stroke.changed = mergeChanges(stroke.changed, changed);
    this.display?.update(stroke.segment, this.maskOf(stroke.segment), slicesOf(changed, voxelsPerSlice(this.content.shape)));
  }

  /**
   * A stack stroke stays on one slice, so the threshold brush reads only that slice's values: the kernel runs
   * on the slice (a one-slice volume over a view of the mask) and its indices are shifted back into the volume.
   */
  private paintThresholdSlice(segment: number, brush: BrushStroke, value: 0 | 1, threshold: StrokeThreshold): Uint32Array {
    const z = this.sliceOf(brush.fromIjk);
    const values = z === null ? null : threshold.values(z);
    if (z === null || values === null || typeof values === 'string') return new Uint32Array(0);
    const onSlice = (ijk: Ijk): Ijk => [ijk[0], ijk[1], 0];
    const sliceBrush: BrushStroke = { ...brush, fromIjk: onSlice(brush.fromIjk), toIjk: onSlice(brush.toIjk) };
    const changed = paintThresholdStroke(this.sliceMask(segment, z), this.sliceVolume(), values, sliceBrush, threshold.range, value);
    return this.intoVolume(changed, z);
  }

  // --- one-click and whole-segment tools (each one history operation) ---

  /** Why a tool cannot change the active segment now, or null (the same rules as a stroke). */
  private toolRefusal(): string | null {
    return this.strokeRefusal();
  }

  /**
   * Region grow from a click, 2D on the clicked slice: the 4-connected voxels within ± toleranceHu of the
   * clicked voxel's value join the active segment. Returns why nothing was grown, or null.
   */
  growRegion(ijk: Ijk, toleranceHu: number, values: SliceValues): string | null {
    const refusal = this.toolRefusal();
    if (refusal !== null || this.activeSegment === null) return refusal ?? 'choose a segment to draw on';
    const segment = this.activeSegment;
    const z = this.sliceOf(ijk);
    if (z === null) return 'the click is outside the volume';
    const slice = values(z);
    if (typeof slice === 'string') return `cannot read slice ${z + 1}: ${slice}`;
    const seedIjk: Ijk = [Math.round(ijk[0]), Math.round(ijk[1]), 0];
    const [w, h] = this.content.shape;
    if (seedIjk[0] < 0 || seedIjk[1] < 0 || seedIjk[0] >= w || seedIjk[1] >= h) return 'the click is outside the image';
    const grown = floodFill(this.sliceMask(segment, z), slice, this.sliceVolume(), { seedIjk, values: { tolerance: toleranceHu }, planeNormal: [0, 0, 1] }, 1);
    if (grown.changed.length === 0) return `the region around the click (${Math.round(grown.range.min)}…${Math.round(grown.range.max)}) is already in the segment`;
    this.commit(segment, this.intoVolume(grown.changed, z), `region grow (± ${toleranceHu})`);
    return null;
  }

  /**
   * A closed freehand contour on the slice of its first point: its inside (pixel centres, even–odd) joins the
   * active segment (value 1, contour fill) or leaves it (value 0, scissors); `name` is the history's word for it
   * (a rectangle is its 4 corners). Returns why nothing changed, or null.
   */
  fillContour(pointsIjk: readonly Ijk[], value: 0 | 1, name: string = value ? 'contour fill' : 'scissors'): string | null {
    const refusal = this.toolRefusal();
    if (refusal !== null || this.activeSegment === null) return refusal ?? 'choose a segment to draw on';
    if (pointsIjk.length < 3) return 'the contour needs at least 3 points: drag round the region';
    const segment = this.activeSegment;
    const changed = fillContour(this.maskOf(segment), this.volume(), { pointsIjk, planeNormal: [0, 0, 1] }, value);
    if (changed.length === 0) return value ? 'the inside of the contour is in the segment already' : 'the segment has no voxels inside the contour';
    this.commit(segment, changed, `${name} (${this.segmentOf(segment)?.label ?? segment})`);
    return null;
  }

  /** Fills the empty slices between drawn slices of the active segment; why nothing was filled, or null. */
  interpolate(): string | null {
    return this.wholeSegment('interpolate', (mask) => interpolateSlices(mask, this.volume(), { axis: 2 }), 'nothing to interpolate: draw the segment on two slices with empty slices between them');
  }

  /** Clears the active segment's connected pieces of fewer than minVoxels voxels; why nothing changed, or null. */
  removeIslands(minVoxels: number): string | null {
    return this.wholeSegment(`remove islands under ${minVoxels} voxels`, (mask) => removeIslands(mask, this.volume(), minVoxels), `no piece of the segment is smaller than ${minVoxels} voxels`);
  }

  /** Keeps only the active segment's largest connected piece; why nothing changed, or null. */
  keepLargest(): string | null {
    return this.wholeSegment('keep largest piece', (mask) => keepLargestComponent(mask, this.volume()), 'the segment is one piece already (or empty)');
  }

  private wholeSegment(what: string, edit: (mask: Uint8Array) => Uint32Array, unchanged: string): string | null {
    const refusal = this.toolRefusal();
    if (refusal !== null || this.activeSegment === null) return refusal ?? 'choose a segment to draw on';
    const segment = this.activeSegment;
    const changed = edit(this.maskOf(segment));
    if (changed.length === 0) return unchanged;
    this.commit(segment, changed, `${what} (${this.segmentOf(segment)?.label ?? segment})`);
    return null;
  }

  /** A kernel already changed these voxels in place: one history operation records (and re-applies) them. */
  private commit(segment: number, changed: Uint32Array, label: string): void {
    this.perform(maskChangeOperation(this.content, deltaOfChange(this.content, segment, changed), { label, onChange: this.applied }));
  }

  private volume(): EditVolume {
    return { shape: this.content.shape, spacingMm: this.grid.spacingMm };
  }

  private sliceVolume(): EditVolume {
    return { shape: [this.content.shape[0], this.content.shape[1], 1], spacingMm: this.grid.spacingMm };
  }

  /** Slice round(k) of a point, or null outside the stack. */
  private sliceOf(ijk: Ijk): number | null {
    const z = Math.round(ijk[2]);
    return z >= 0 && z < this.content.shape[2] ? z : null;
  }

  /** Slice z of a segment's mask as a view (kernels edit it in place). */
  private sliceMask(segment: number, z: number): Uint8Array {
    const n = voxelsPerSlice(this.content.shape);
    return this.maskOf(segment).subarray(z * n, (z + 1) * n);
  }

  /** Indices within slice z as indices into the volume (still ascending). */
  private intoVolume(changed: Uint32Array, z: number): Uint32Array {
    const offset = z * voxelsPerSlice(this.content.shape);
    const out = new Uint32Array(changed.length);
    for (let i = 0; i < changed.length; i++) out[i] = changed[i] + offset;
    return out;
  }

  // --- history ---

  /** Whether it has put an operation in the series' history, which holds its content: then it is kept for the session. */
  get inHistory(): boolean {
    return this.performedAny;
  }

  private perform(op: HistoryOperation): void {
    this.performedAny = true;
    this.history.perform(op);
  }

  // --- saving ---

  /** Saves what is pending now instead of after the delay (closing the page, tests). */
  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (this.pending.empty) return;
    const batch = this.pending.take();
    const what = `edits of ${this.info.name}`;
    this.savesInFlight++;
    this.saves
      .save(what, async () => {
        // Packed at commit time from the current voxels: a retry sends what is there now.
        const saved = await this.api['masks.saveSlices']({ maskSetId: this.maskSetId, expectedHead: this.info.headVersion, ...saveArgsOf(batch, this.content) });
        if (saved.ok) {
          this.info = saved.value;
          this.emit({ kind: 'saved', headVersion: saved.value.headVersion });
        }
        return saved;
      })
      .then(
        () => {
          this.savesInFlight--;
          this.unsaved = this.savesInFlight > 0 || !this.pending.empty;
        },
        () => {
          // The save queue keeps the failure on the indicator (Retry / Discard); the edits stay unsaved.
          this.savesInFlight--;
        },
      );
  }

  destroy(): void {
    this.flush();
    this.hide();
    this.listeners.clear();
  }

  // --- what every operation reports back ---

  /** After every apply and revert: redraw, recount and mark for saving exactly what changed. */
  private readonly applied = (change: ContentChange): void => {
    this.pending.mark(change);
    if (change.segments) {
      this.syncSegments();
      this.emit({ kind: 'segments-modified' });
    }
    const bySegment = new Map<number, number[]>();
    for (const edit of change.edits) {
      const list = bySegment.get(edit.segment) ?? [];
      list.push(edit.z);
      bySegment.set(edit.segment, list);
    }
    for (const [segment, slices] of bySegment) {
      const mask = this.content.masks.get(segment);
      if (!mask) continue;
      for (const z of slices) this.recount(segment, z);
      this.display?.update(segment, mask, slices);
      this.emit({ kind: 'data-modified', segment, slices });
    }
    this.publishCounts();
    this.unsaved = true;
    this.scheduleSave();
  };

  /** Brings the reactive segment list, views, counts and layers in line with content.segments. */
  private syncSegments(): void {
    const numbers = new Set(this.content.segments.map((s) => s.number));
    const views = new Map<number, SegmentView>();
    for (const segment of this.content.segments) views.set(segment.number, this.views.get(segment.number) ?? defaultView());
    for (const number of [...this.sliceCounts.keys()]) {
      if (numbers.has(number)) continue;
      this.sliceCounts.delete(number);
      this.display?.remove(number);
    }
    const previous = new Map(this.segments.map((s) => [s.number, s]));
    this.segments = this.content.segments.map((s) => ({ ...s }));
    this.views = views;
    for (const segment of this.content.segments) {
      if (!this.sliceCounts.has(segment.number)) {
        this.countAll(segment.number);
        this.display?.show(segment.number, this.maskOf(segment.number), this.lookOf(segment.number));
      } else if (previous.get(segment.number)?.color.some((c, i) => c !== segment.color[i])) {
        this.display?.setLook(segment.number, this.lookOf(segment.number));
      }
    }
    if (this.activeSegment === null || !numbers.has(this.activeSegment)) this.activeSegment = this.content.segments[0]?.number ?? null;
    this.publishCounts();
  }

  private scheduleSave(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.flush(), AUTOSAVE_DELAY_MS);
  }

  private countAll(segment: number): void {
    const counts = new Uint32Array(this.content.shape[2]);
    this.sliceCounts.set(segment, counts);
    for (let z = 0; z < counts.length; z++) this.recount(segment, z);
  }

  private recount(segment: number, z: number): void {
    const counts = this.sliceCounts.get(segment);
    const mask = this.content.masks.get(segment);
    if (!counts || !mask) return;
    const n = voxelsPerSlice(this.content.shape);
    let total = 0;
    for (let i = z * n, end = i + n; i < end; i++) total += mask[i];
    counts[z] = total;
  }

  private publishCounts(): void {
    const totals = new Map<number, number>();
    const perSlice = new Map<number, readonly number[]>();
    for (const [segment, counts] of this.sliceCounts) {
      totals.set(segment, counts.reduce((a, b) => a + b, 0));
      perSlice.set(segment, Array.from(counts));
    }
    this.voxelCounts = totals;
    this.sliceVoxelCounts = perSlice;
  }

  private segmentOf(number: number): Segment | undefined {
    return this.content.segments.find((s) => s.number === number);
  }

  private maskOf(number: number): Uint8Array {
    const mask = this.content.masks.get(number);
    if (!mask) throw new RangeError(`segmentation ${this.info.name}: segment ${number} has no mask`);
    return mask;
  }

  private lookOf(number: number): SegmentLook {
    const view = this.views.get(number) ?? defaultView();
    const segment = this.segmentOf(number);
    return { color: segment?.color ?? [255, 0, 0], visible: view.visible, opacity: view.opacity, fill: view.fill, outline: view.outline };
  }

  private emit(event: EditorEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
