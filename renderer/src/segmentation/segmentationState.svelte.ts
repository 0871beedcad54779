// The open series' drawable segmentations: which one is being edited, the brush, undo/redo per series.
import type { Types } from '@cornerstonejs/core';
import { utilities as csUtilities } from '@cornerstonejs/core';
import type { Api } from '../../../core/contract/index';
import type { MaskSetInfo } from '../../../core/contract/masks';
import { withEmptyMasks } from '../../../core/annotations/model';
import { labelColor } from '../../../core/annotations/palette';
import { HistoryBook, type EditHistory, type HistoryOperation } from '../../../core/annotations/edit/history';
import { THRESHOLD_PRESETS, type ThresholdPreset } from '../../../core/annotations/edit/threshold';
import type { Ijk, ValueRange } from '../../../core/annotations/edit/types';
import { worldToIjk } from '../../../core/geometry/patient-space';
import type { OpenSeries, ViewerState } from '../state/viewer.svelte';
import { SaveQueue } from '../scoring/saveQueue.svelte';
import { VesaliusBrushTool, type StrokeSink } from './brushTool';
import { extendContour, rectangleContour, rectangleRefusal, resizeRectangle, startContour, type CanvasToIjk, type ContourDraft } from './contourDraft';
import { LabelmapDisplay } from './labelmapDisplay';
import { loadContent } from './loadContent';
import { SegmentationEditor, type SliceValues, type StrokeThreshold } from './segmentationEditor.svelte';
import { releasableEditors } from './editorRetention';
import { SliceValuesCache } from './sliceValues';
import { stackGeometry, type StackGeometry } from './stackGeometry';
import { isSlicePlane, isVolumeView, viewPlaneNormalIjk } from '../viewer/viewPlane';
import type { StackFrame } from '../lib/imageIds';
import { loadStackImages, pixelSpacingOf } from './stackImages';

/**
 * What a left press does with the brush tool bound: paint, paint within an HU range, grow a region from the click,
 * or draw a closed freehand contour or a rectangle whose inside is filled (contour, rectangle) or cut (scissors,
 * rectangleScissors) on release.
 */
export type DrawMode = 'paint' | 'threshold' | 'grow' | 'contour' | 'scissors' | 'rectangle' | 'rectangleScissors';
/** The brush's shape: a disk on the shown slice, or a sphere that also reaches the neighbouring slices within its radius. */
export type BrushShape = 'circle' | 'sphere';
const contourModes: readonly DrawMode[] = ['contour', 'scissors', 'rectangle', 'rectangleScissors'];
const rectangleModes: readonly DrawMode[] = ['rectangle', 'rectangleScissors'];
/** What an outline does, in words (notices, the history's label). */
const outlineName = (draft: ContourDraft): string => (draft.shape === 'rectangle' ? (draft.value ? 'rectangle fill' : 'rectangle scissors') : draft.value ? 'contour fill' : 'scissors');
export type ThresholdChoice = ThresholdPreset | 'custom';

export const MIN_BRUSH_MM = 0.5;
export const MAX_BRUSH_MM = 100;

/** The brush outline under the pointer (canvas px of the viewport it is over: the stack or a volume view). */
export interface BrushCursor {
  x: number;
  y: number;
  radiusPx: number;
  viewportId: string;
}

export class SegmentationState implements StrokeSink {
  /** The open series' stored segmentations (any role), oldest first. */
  list = $state.raw<MaskSetInfo[]>([]);
  /** The segmentation being edited (shown as labelmaps), or null. */
  active = $state.raw<SegmentationEditor | null>(null);
  brushRadiusMm = $state(5);
  brushShape = $state<BrushShape>('circle');
  drawMode = $state<DrawMode>('paint');
  /** The freehand contour being drawn (contour fill, scissors), or null. */
  contour = $state.raw<ContourDraft | null>(null);
  /** The threshold brush's range: a preset, or the custom min/max. */
  thresholdChoice = $state<ThresholdChoice>('lung');
  customRange = $state<ValueRange>({ min: -1000, max: -400 });
  /** Region grow: the values within ± this of the clicked voxel's join. */
  growToleranceHu = $state(100);
  /** Remove islands: connected pieces smaller than this many voxels go. */
  islandMinVoxels = $state(50);
  cursor = $state.raw<BrushCursor | null>(null);
  /** Loading the images, creating, opening. */
  busy = $state<string | null>(null);
  /** What went wrong or why a stroke did not start, in words. */
  notice = $state<string | null>(null);
  /** Bumped on every history change (undo/redo availability). */
  private historyTick = $state(0);
  readonly saves = new SaveQueue();

  private readonly histories = new HistoryBook();
  /**
   * Editors by segmentation id. One whose content the history operations change, or with edits not yet saved, lives
   * for the session; one that was only shown is let go when another is opened (editorRetention.ts).
   */
  private readonly editors = new Map<string, SegmentationEditor>();
  private series: OpenSeries | null = null;
  private grid: StackGeometry | null = null;
  private stroking = false;
  private readonly sliceValues = new SliceValuesCache();
  /** The active editor's labelmap layers (the stack's, and the volume views' while they show this series). */
  private display: LabelmapDisplay | null = null;
  /** The volume views' viewports while they show a series' volume, and which frames they show. */
  private volumeViews: { viewportIds: readonly string[]; frames: readonly StackFrame[] } | null = null;

  constructor(
    private readonly api: Api,
    private readonly viewer: ViewerState,
  ) {
    viewer.setDrawingTool(VesaliusBrushTool, { sink: this });
    // The labelmaps are shown (and drawn on) in the volume views too while they show the same series.
    viewer.mpr.addVolumeViewsListener({
      shown: (viewportIds, frames) => {
        this.volumeViews = { viewportIds, frames };
        this.attachVolumeViews();
      },
      released: (viewportIds) => {
        this.volumeViews = null;
        for (const id of viewportIds) this.display?.detachVolumeViewport(id);
      },
    });
    // Leaving with edits the store has not confirmed: send them now and ask the browser to hold the page.
    addEventListener('beforeunload', (event) => {
      if (![...this.editors.values()].some((e) => e.unsaved)) return;
      this.flushAll();
      event.preventDefault();
    });
    addEventListener('pagehide', () => this.flushAll());
  }

  /** The series the viewer shows changed (or its stack came on screen): list its segmentations, drop the old layers. */
  async showSeries(open: OpenSeries | null): Promise<void> {
    if (open === this.series) return;
    this.flushAll();
    this.active?.hide();
    this.active = null;
    this.releaseIdleEditors();
    this.series = open;
    this.grid = null;
    this.sliceValues.clear();
    this.notice = null;
    this.list = [];
    if (open) await this.refreshList();
  }

  async refreshList(): Promise<void> {
    const open = this.series;
    if (!open) return;
    const listed = await this.api['masks.list']({ seriesKey: open.series.seriesInstanceUid });
    if (this.series !== open) return;
    if (listed.ok) this.list = listed.value.maskSets;
    else this.notice = `Cannot list the segmentations of this series: ${listed.error.message}`;
  }

  /** Opens the newest segmentation drawn here, when none is being edited (the segments panel opened). */
  async openLatestDrawn(): Promise<void> {
    if (this.busy) return;
    // Listed again even while one is edited: a file imported in the Scoring dock since is one more to open here.
    await this.refreshList();
    if (this.active || this.busy) return;
    const drawn = this.list.filter((m) => m.provenance.origin.kind === 'drawn' && !m.readOnly);
    const latest = drawn[drawn.length - 1];
    if (latest) await this.open(latest.maskSetId);
  }

  /** A new, empty segmentation of the open series (role annotator; the author is the app's user). */
  async create(): Promise<void> {
    const open = this.series;
    if (!open || this.busy) return;
    const grid = await this.gridFor(open);
    if (!grid) return;
    this.busy = 'Creating a segmentation…';
    const color = labelColor(1);
    const number = this.list.filter((m) => m.provenance.origin.kind === 'drawn').length + 1;
    const created = await this.api['masks.create']({
      seriesKey: open.series.seriesInstanceUid,
      name: `Drawn segmentation ${number}`,
      shape: [grid.shape[0], grid.shape[1], grid.shape[2]],
      spacingMm: grid.spacingMm,
      segments: [{ number: 1, label: 'Segment 1', color: [color[0], color[1], color[2]] }],
      role: 'annotator',
    });
    this.busy = null;
    if (this.series !== open) return;
    if (!created.ok) {
      this.notice = `Cannot create a segmentation: ${created.error.message}`;
      return;
    }
    const info = created.value;
    this.list = [...this.list, info];
    const content = withEmptyMasks({ shape: info.shape, segments: info.segments, masks: new Map() });
    this.activate(this.editorFor(info, () => new SegmentationEditor(this.api, info, content, grid, this.history(open), this.saves)));
  }

  /** Edits (and shows) a stored segmentation of the open series. */
  async open(maskSetId: string): Promise<void> {
    const open = this.series;
    const info = this.list.find((m) => m.maskSetId === maskSetId);
    if (!open || !info || this.busy) return;
    if (this.active?.maskSetId === maskSetId) return;
    const grid = await this.gridFor(open);
    if (!grid) return;
    if (info.shape.some((n, i) => n !== grid.shape[i])) {
      this.notice = `${info.name} is ${info.shape.join('×')} voxels but this series is ${grid.shape.join('×')}; it cannot be drawn on here`;
      return;
    }
    let editor = this.editors.get(maskSetId);
    if (!editor) {
      this.busy = `Reading ${info.name}…`;
      const loaded = await loadContent(this.api, info);
      this.busy = null;
      if (this.series !== open) return;
      if (!loaded.ok) {
        this.notice = loaded.reason;
        return;
      }
      editor = this.editorFor(info, () => new SegmentationEditor(this.api, info, loaded.content, grid, this.history(open), this.saves, readOnlyReasonOf(info)));
    }
    this.activate(editor);
  }

  /** The open series' voxel grid (loading its images first), for a segmentation made elsewhere (the assistant's); null with the reason in `notice`. */
  async gridOfOpenSeries(): Promise<StackGeometry | null> {
    return this.series ? this.gridFor(this.series) : null;
  }

  /** Stops editing (the layers go; the content and its history stay for this session). */
  close(): void {
    this.active?.flush();
    this.active?.hide();
    this.active = null;
    this.releaseIdleEditors();
  }

  // --- undo / redo of the open series ---

  get canUndo(): boolean {
    void this.historyTick;
    return this.currentHistory()?.canUndo ?? false;
  }

  get canRedo(): boolean {
    void this.historyTick;
    return this.currentHistory()?.canRedo ?? false;
  }

  get undoLabel(): string | null {
    void this.historyTick;
    return this.currentHistory()?.nextUndoLabel ?? null;
  }

  get redoLabel(): string | null {
    void this.historyTick;
    return this.currentHistory()?.nextRedoLabel ?? null;
  }

  undo(): void {
    this.runHistory((h) => h.undo());
  }

  /**
   * Records an edit made outside the segmentations (a measurement drawn, moved or deleted), already
   * applied, in the series' history: one undo/redo over every edit of the series.
   */
  record(seriesKey: string, operation: HistoryOperation): void {
    this.histories.for(seriesKey).push(operation);
    this.historyTick++;
  }

  redo(): void {
    this.runHistory((h) => h.redo());
  }

  // --- the brush's modes and the whole-segment tools ---

  /** Binds the brush tool to left-drag in this mode (the threshold brush and region grow are brush modes). */
  setDrawMode(mode: DrawMode): void {
    this.drawMode = mode;
    if (mode === 'grow' || contourModes.includes(mode)) this.cursor = null;
  }

  get thresholdRange(): ValueRange {
    return this.thresholdChoice === 'custom' ? { ...this.customRange } : { min: THRESHOLD_PRESETS[this.thresholdChoice].min, max: THRESHOLD_PRESETS[this.thresholdChoice].max };
  }

  /** The range in words: 'Lung −1000…−400' (history labels, the panel). */
  get thresholdName(): string {
    const { min, max } = this.thresholdRange;
    const label = this.thresholdChoice === 'custom' ? 'Custom' : THRESHOLD_PRESETS[this.thresholdChoice].label;
    return `${label} ${min}…${max}`;
  }

  interpolate(): void {
    this.runTool((editor) => editor.interpolate());
  }

  removeIslands(): void {
    const minVoxels = Math.max(1, Math.floor(this.islandMinVoxels));
    this.runTool((editor) => editor.removeIslands(minVoxels));
  }

  keepLargest(): void {
    this.runTool((editor) => editor.keepLargest());
  }

  private runTool(tool: (editor: SegmentationEditor) => string | null): void {
    const editor = this.active;
    if (!editor || this.stroking) return;
    const refusal = tool(editor);
    this.notice = refusal ? `Nothing changed: ${refusal}` : null;
    this.historyTick++;
  }

  /** The open series' slice values for the editor's grid (HU for CT), read from the loaded images. */
  private valuesOf(editor: SegmentationEditor): SliceValues {
    const frames = this.series?.frames ?? [];
    const [width, height] = editor.content.shape;
    return (z) => {
      const imageId = frames[z]?.imageId;
      return imageId ? this.sliceValues.get(imageId, width, height) : `slice ${z + 1} is not in the open series`;
    };
  }

  // --- the brush ---

  get drawing(): boolean {
    return this.viewer.primaryTool === 'brush' || this.viewer.primaryTool === 'eraser';
  }

  resizeBrush(factor: number): void {
    const before = this.brushRadiusMm;
    this.brushRadiusMm = Math.min(MAX_BRUSH_MM, Math.max(MIN_BRUSH_MM, Math.round(before * factor * 100) / 100));
    // The outline follows at once, without waiting for the pointer to move.
    if (this.cursor) this.cursor = { ...this.cursor, radiusPx: (this.cursor.radiusPx * this.brushRadiusMm) / before };
  }

  begin(worldPos: Types.Point3, viewport: Types.IViewport): boolean {
    const editor = this.active;
    if (!editor || !this.drawing) {
      if (this.drawing) this.notice = 'Create or open a segmentation in the Segments panel to draw';
      return false;
    }
    const refusal = editor.strokeRefusal();
    if (refusal) {
      this.notice = `Cannot draw: ${refusal}`;
      return false;
    }
    const ijk = this.ijkOf(worldPos, viewport, editor.grid);
    const planeNormal = viewPlaneNormalIjk(viewport, editor.grid.geometry);
    if (!ijk || !planeNormal) return false;
    this.notice = null;
    const painting = this.viewer.primaryTool === 'brush';
    // Threshold brush, region grow and contours work slice by slice of the stack: a volume view across it cannot take them.
    if (painting && this.drawMode !== 'paint' && !isSlicePlane(planeNormal)) {
      this.notice = 'The threshold brush, region grow, contour fill, scissors and the rectangle tools draw on the stack’s own slices: use them in the stack or axial view (the brush and eraser work in every view)';
      return false;
    }
    if (painting && contourModes.includes(this.drawMode)) {
      // The outline follows the pointer; the fill is one edit on release.
      const value = this.drawMode === 'contour' || this.drawMode === 'rectangle' ? 1 : 0;
      const canvas = canvasOf(viewport, worldPos);
      this.contour = rectangleModes.includes(this.drawMode) ? rectangleContour(value, canvas, canvas, this.canvasToIjk(viewport, editor.grid)) : startContour(value, ijk, canvas);
      return this.contour !== null;
    }
    if (painting && this.drawMode === 'grow') {
      if (!(this.growToleranceHu >= 0) || !Number.isFinite(this.growToleranceHu)) {
        this.notice = `Region grow: the tolerance ${this.growToleranceHu} is not a number of 0 or more`;
        return false;
      }
      // One click, one edit: nothing follows the pointer.
      const refusal = editor.growRegion(ijk, this.growToleranceHu, this.valuesOf(editor));
      if (refusal) this.notice = `Region grow: ${refusal}`;
      this.historyTick++;
      return true;
    }
    let threshold: StrokeThreshold | null = null;
    if (painting && this.drawMode === 'threshold') {
      const { min, max } = this.thresholdRange;
      if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
        this.notice = `Cannot use the threshold brush: the range ${min}…${max} needs a minimum no larger than its maximum`;
        return false;
      }
      const values = this.valuesOf(editor);
      const slice = values(Math.round(ijk[2]));
      if (typeof slice === 'string') {
        this.notice = `Cannot use the threshold brush here: ${slice}`;
        return false;
      }
      threshold = { range: this.thresholdRange, name: this.thresholdName, values };
    }
    this.stroking = editor.beginStroke(ijk, painting ? 1 : 0, this.brushRadiusMm, threshold, this.brushShape, planeNormal);
    return this.stroking;
  }

  extend(worldPos: Types.Point3, viewport: Types.IViewport): void {
    const editor = this.active;
    if (editor && this.contour) {
      if (this.contour.shape === 'rectangle') {
        this.contour = resizeRectangle(this.contour, canvasOf(viewport, worldPos), this.canvasToIjk(viewport, editor.grid));
        return;
      }
      const ijk = this.ijkOf(worldPos, viewport, editor.grid);
      if (ijk) this.contour = extendContour(this.contour, ijk, canvasOf(viewport, worldPos));
      return;
    }
    if (!editor || !this.stroking) return;
    const ijk = this.ijkOf(worldPos, viewport, editor.grid);
    if (ijk) editor.extendStroke(ijk, this.brushRadiusMm);
  }

  end(): void {
    const contour = this.contour;
    if (contour) {
      this.contour = null;
      const name = outlineName(contour);
      // fillContour answers null when it filled: only a missing editor means "none open".
      const editor = this.active;
      const refusal = rectangleRefusal(contour) ?? (editor ? editor.fillContour(contour.pointsIjk, contour.value, name) : 'no segmentation is open');
      this.notice = refusal ? `${name[0].toUpperCase()}${name.slice(1)}: nothing changed: ${refusal}` : null;
      this.historyTick++;
      return;
    }
    if (!this.stroking) return;
    this.stroking = false;
    this.active?.endStroke();
    this.historyTick++;
  }

  hover(canvasPos: Types.Point2 | null, viewport: Types.IViewport | null): void {
    // Drawn over whichever viewport the pointer is on, stack or volume view, at that view's own zoom.
    if (!canvasPos || !viewport || !this.drawing || (this.viewer.primaryTool === 'brush' && (this.drawMode === 'grow' || contourModes.includes(this.drawMode)))) {
      this.cursor = null;
      return;
    }
    // Canvas px per mm at this zoom: two canvas points one pixel apart, measured in the world.
    const a = viewport.canvasToWorld([canvasPos[0], canvasPos[1]]);
    const b = viewport.canvasToWorld([canvasPos[0] + 1, canvasPos[1]]);
    const mmPerPx = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    this.cursor = mmPerPx > 0 ? { x: canvasPos[0], y: canvasPos[1], radiusPx: this.brushRadiusMm / mmPerPx, viewportId: viewport.id } : null;
  }

  // --- internals ---

  private activate(editor: SegmentationEditor): void {
    this.active?.flush();
    this.active?.hide();
    this.active = editor;
    this.releaseIdleEditors();
    this.display = null;
    const target = this.viewer.viewportId;
    const open = this.series;
    if (target && open) {
      this.display = new LabelmapDisplay({ viewportId: target, referencedImageIds: open.frames.map((f) => f.imageId) });
      editor.showOn(this.display);
      this.attachVolumeViews();
    }
    this.historyTick++;
  }

  /** Shows the active layers in the volume views when they show the series being edited. */
  private attachVolumeViews(): void {
    const views = this.volumeViews;
    if (!views || !this.display || views.frames !== this.series?.frames) return;
    for (const id of views.viewportIds) this.display.attachVolumeViewport(id);
  }

  /** Lets go of the editors that only showed a segmentation (opening one again reads it from the store). */
  private releaseIdleEditors(): void {
    const holds = [...this.editors.values()].map((e) => ({ maskSetId: e.maskSetId, active: e === this.active, unsaved: e.unsaved, inHistory: e.inHistory }));
    for (const id of releasableEditors(holds)) {
      this.editors.get(id)?.destroy();
      this.editors.delete(id);
    }
  }

  private editorFor(info: MaskSetInfo, make: () => SegmentationEditor): SegmentationEditor {
    let editor = this.editors.get(info.maskSetId);
    if (!editor) {
      editor = make();
      this.editors.set(info.maskSetId, editor);
      editor.subscribe((event) => {
        if (event.kind === 'saved') this.list = this.list.map((m) => (m.maskSetId === editor!.maskSetId ? editor!.info : m));
        // Segment edits from the panel are history operations too: undo/redo availability follows.
        else this.historyTick++;
      });
    }
    return editor;
  }

  private history(open: OpenSeries): EditHistory {
    return this.histories.for(open.series.seriesInstanceUid);
  }

  private currentHistory(): EditHistory | null {
    return this.series ? this.history(this.series) : null;
  }

  private runHistory(step: (history: EditHistory) => unknown): void {
    const history = this.currentHistory();
    if (!history || this.stroking) return;
    try {
      step(history);
      this.notice = null;
    } catch (e) {
      this.notice = `Undo/redo failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.historyTick++;
  }

  /** The stack's voxel grid, once all its images are loaded (their headers give the labelmaps their geometry). */
  private async gridFor(open: OpenSeries): Promise<StackGeometry | null> {
    if (this.grid && this.series === open) return this.grid;
    this.busy = 'Loading the series’ images…';
    const imageIds = open.frames.map((f) => f.imageId);
    const failures = await loadStackImages(imageIds);
    this.busy = null;
    if (this.series !== open) return null;
    if (failures.length) {
      const first = failures[0];
      this.notice = `Cannot draw on this series: ${failures.length} of its images could not be loaded (first: slice ${first.index + 1}, ${open.frames[first.index]?.instance.path ?? ''}: ${first.message})`;
      return null;
    }
    const grid = stackGeometry(open.frames.map((f) => f.instance), pixelSpacingOf(imageIds[0]));
    if ('reason' in grid) {
      this.notice = `Cannot draw on this series: ${grid.reason}`;
      return null;
    }
    this.grid = grid;
    return grid;
  }

  /**
   * Continuous ijk of a world point on the shown slice: on the stack k is the stack index shown, i and j from the
   * image plane; in a volume view all three come from the point (which lies on the view's plane).
   */
  private ijkOf(worldPos: Types.Point3, viewport: Types.IViewport, grid: StackGeometry): Ijk | null {
    if (isVolumeView(viewport)) {
      if (!grid.geometry) return null;
      const [i, j, k] = worldToIjk(grid.geometry, [worldPos[0], worldPos[1], worldPos[2]]);
      return [i, j, k];
    }
    const stack = viewport as Types.IStackViewport;
    const k = stack.getCurrentImageIdIndex();
    if (grid.geometry) {
      const [i, j] = worldToIjk(grid.geometry, [worldPos[0], worldPos[1], worldPos[2]]);
      return [i, j, k];
    }
    const imageId = stack.getCurrentImageId();
    if (!imageId) return null;
    try {
      const [i, j] = csUtilities.worldToImageCoords(imageId, worldPos) ?? [];
      return i === undefined || j === undefined ? null : [i, j, k];
    } catch {
      // A frame without an image plane: there is no point on it to paint.
      return null;
    }
  }

  /** A canvas point (css px) of this viewport in the grid's continuous ijk, on the slice it shows. */
  private canvasToIjk(viewport: Types.IViewport, grid: StackGeometry): CanvasToIjk {
    return (canvas) => this.ijkOf(viewport.canvasToWorld([canvas[0], canvas[1]]), viewport, grid);
  }

  private flushAll(): void {
    for (const editor of this.editors.values()) editor.flush();
  }
}

/** The assistant's own output is shown, not drawn on: its draft (Accept as draft) is the editable copy. */
const readOnlyReasonOf = (info: MaskSetInfo): string | null =>
  info.provenance.origin.kind === 'model' ? 'the model’s output; use “Accept as draft” in the Assistant to edit a copy' : null;

/** A world point on the viewport's canvas (css px). */
function canvasOf(viewport: Types.IViewport, worldPos: Types.Point3): [number, number] {
  const [x, y] = viewport.worldToCanvas(worldPos);
  return [x, y];
}
