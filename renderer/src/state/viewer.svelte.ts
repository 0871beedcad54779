import type { Patient, Series, Study } from '../../../core/contract/dicom';
import { slicePositionMm, stackFramesForSeries, type StackFrame } from '../lib/imageIds';
import { wlPresets, type WlPreset } from '../lib/presets';
import { orientationMarkers } from '../lib/orientation';
import { formatProbe } from '../lib/probe';
import type { ShortcutTarget } from '../lib/shortcuts';
import { emptySnapshot, type MeasurementChange, type MeasurementToShow, type PrimaryTool, type StackController, type ToolClass, type ViewportSnapshot } from '../lib/cornerstone/stackController';
import { describeLoadError } from '../lib/errors';
import type { ImageFailure } from '../lib/imageFailure';
import { rememberImageSources } from '../lib/cornerstone/checkedLoader';
import { MprState } from '../viewer/mprState.svelte';
import { FirstImageGate } from '../lib/firstImageGate';

export interface OpenSeries {
  patient: Patient;
  study: Study;
  series: Series;
  frames: StackFrame[];
}

/** The displayed series and everything the viewport reports about it, plus the commands on it. */
export class ViewerState implements ShortcutTarget {
  open = $state.raw<OpenSeries | null>(null);
  snapshot = $state.raw<ViewportSnapshot>(emptySnapshot);
  probeText = $state('');
  primaryTool = $state<PrimaryTool>('windowLevel');
  presetId = $state<WlPreset['id']>('default');
  cinePlaying = $state(false);
  cineFps = $state(10);
  helpOpen = $state(false);
  /** Set when the viewport could not show the stack (decode failure, lost GL context). */
  error = $state<string | null>(null);
  /** Images that could not be shown, by image id: each failure stays with its own image (shown on it and on its thumbnail). */
  imageFailures = $state.raw<ReadonlyMap<string, ImageFailure>>(new Map());

  readonly currentFrame = $derived(this.open?.frames[this.snapshot.sliceIndex] ?? null);
  readonly slicePosition = $derived(this.currentFrame ? slicePositionMm(this.currentFrame.instance) : null);
  /** Why the image at the current slice cannot be shown, if it cannot. */
  readonly currentFailure = $derived(this.currentFrame ? (this.imageFailures.get(this.currentFrame.imageId) ?? null) : null);
  readonly markers = $derived(orientationMarkers(this.currentFrame?.instance.imageOrientationPatient ?? null));

  /** performance.now() when the open series was chosen; with snapshot.renderedAt gives time to first image. */
  selectedAt = $state<number | null>(null);
  firstRenderMs = $state<number | null>(null);
  /** The layout and the volume views of the open series (renderer/src/viewer). */
  readonly mpr = new MprState((failure) => this.imageFailed(failure));

  private controller: StackController | null = null;
  /** Who saves measurement annotations (the measurement store), and the stored ones to draw on the open stack. */
  private measurementListener: ((change: MeasurementChange) => void) | null = null;
  private measurementsToShow: { open: OpenSeries; measurements: MeasurementToShow[] } | null = null;
  private stackShown: OpenSeries | null = null;
  /** The open series once its stack is on the viewport (labelmaps are added to it then). */
  shownStack = $state.raw<OpenSeries | null>(null);
  /** The segmentation feature's drawing tool, added to every viewport this state is attached to. */
  private drawingTool: { tool: ToolClass; configuration: Record<string, unknown> } | null = null;
  /** Thumbnails wait here for the open series' first image, and while the app is choosing which series to open. */
  private readonly firstImage = new FirstImageGate(() => this.firstImageSettled());
  private cineTimer: ReturnType<typeof setInterval> | null = null;

  /** Resolves once the open series shows its first image (at once if none is open and none is being chosen): thumbnails wait for it. */
  whenFirstImageShown(): Promise<void> {
    return this.firstImage.wait();
  }

  /**
   * The app is choosing a series to open (a study's list, and so its thumbnails, appears first): thumbnails
   * wait until the one chosen shows its first image. Returns the call that ends the choice (with or without a series).
   */
  choosingSeries(): () => void {
    return this.firstImage.hold();
  }

  private firstImageSettled(): boolean {
    const firstImageId = this.open?.frames[0]?.imageId;
    return !this.open || this.firstRenderMs !== null || this.error !== null || (!!firstImageId && this.imageFailures.has(firstImageId));
  }

  private releaseFirstRenderWaiters(): void {
    this.firstImage.release();
  }

  attach(controller: StackController): () => void {
    this.controller = controller;
    controller.setMeasurementListener(this.measurementListener);
    if (this.drawingTool) controller.addDrawingTool(this.drawingTool.tool, this.drawingTool.configuration);
    this.showOpenStack();
    return () => {
      this.stopCine();
      controller.setMeasurementListener(null);
      if (this.controller === controller) this.controller = null;
    };
  }

  select(patient: Patient, study: Study, series: Series): void {
    this.stopCine();
    this.error = null;
    this.presetId = 'default';
    this.selectedAt = performance.now();
    performance.mark('vesalius:series-selected');
    this.firstRenderMs = null;
    const frames = stackFramesForSeries(series, location.origin);
    rememberImageSources(frames);
    this.open = { patient, study, series, frames };
    this.mpr.seriesChanged(frames);
    this.showOpenStack();
  }

  /** Hands the open series to the viewport (once both exist); errors land in `error`. */
  private showOpenStack(): void {
    const open = this.open;
    if (!open || !this.controller) return;
    const imageIds = open.frames.map((f) => f.imageId);
    this.stackShown = null;
    this.shownStack = null;
    const controller = this.controller;
    controller
      .setStack(imageIds, 0)
      .then(() => {
        if (this.open !== open || this.controller !== controller) return;
        this.stackShown = open;
        this.shownStack = open;
        this.drawMeasurements();
      })
      .catch((e: unknown) => {
        if (this.open === open) this.fail(`Cannot display this series: ${describeLoadError(e)}`);
      });
  }

  /** The viewport's id for cornerstone (segmentation representations), or null before it is mounted. */
  get viewportId(): string | null {
    return this.controller?.viewportId ?? null;
  }

  /** The tool brush and eraser bind to left-drag (one: the segmentation state's). */
  setDrawingTool(tool: ToolClass, configuration: Record<string, unknown>): void {
    this.drawingTool = { tool, configuration };
    this.controller?.addDrawingTool(tool, configuration);
    this.mpr.setDrawingTool(tool, configuration);
  }

  /** Measurements drawn, moved or removed go to `listener` (one listener: the measurement store). */
  onMeasurementChange(listener: ((change: MeasurementChange) => void) | null): void {
    this.measurementListener = listener;
    this.controller?.setMeasurementListener(listener);
  }

  /** Draws stored measurements on `open` once its stack is on screen (at once when it already is). */
  showMeasurements(open: OpenSeries, measurements: MeasurementToShow[]): void {
    this.measurementsToShow = { open, measurements };
    this.drawMeasurements();
  }

  /** Takes measurements off the viewport (an undone one, or one deleted from the list). */
  removeMeasurements(annotationUIDs: readonly string[]): void {
    this.controller?.removeMeasurements(annotationUIDs);
  }

  /** Whether a measurement annotation is still drawn (so a stored one drawn this session is not drawn twice). */
  hasMeasurement(annotationUID: string): boolean {
    return this.controller?.hasAnnotation(annotationUID) ?? false;
  }

  private drawMeasurements(): void {
    const pending = this.measurementsToShow;
    if (!pending || !this.controller || this.stackShown !== pending.open || this.open !== pending.open) return;
    this.controller.showMeasurements(pending.measurements);
  }

  /** Called by the viewport on every snapshot; records the first render after a selection. */
  update(snapshot: ViewportSnapshot): void {
    this.snapshot = snapshot;
    // A load that failed before (a file since fixed, a transient fetch) and now rendered is no longer a failure.
    if (snapshot.renderedAt !== null && snapshot.renderedImageId && this.imageFailures.has(snapshot.renderedImageId)) {
      const next = new Map(this.imageFailures);
      next.delete(snapshot.renderedImageId);
      this.imageFailures = next;
    }
    // Only a render of the new series' first image counts, not a late redraw of the previous one.
    const firstImageId = this.open?.frames[0]?.imageId;
    const isFirstImage = snapshot.renderedImageId !== null && snapshot.renderedImageId === firstImageId;
    if (this.firstRenderMs === null && this.selectedAt !== null && isFirstImage && snapshot.renderedAt !== null && snapshot.renderedAt >= this.selectedAt) {
      this.firstRenderMs = snapshot.renderedAt - this.selectedAt;
      performance.mark('vesalius:first-image-rendered');
      this.releaseFirstRenderWaiters();
    }
  }

  /** One image could not be shown: recorded for that image; the series' first image failing counts as its first render. */
  imageFailed(failure: ImageFailure): void {
    console.warn(`Vesalius viewer: cannot display ${failure.detail}`);
    const next = new Map(this.imageFailures);
    next.set(failure.imageId, failure);
    this.imageFailures = next;
    if (failure.imageId === this.open?.frames[0]?.imageId) this.releaseFirstRenderWaiters();
  }

  /** The viewport could not show the series; the message replaces the image. */
  fail(message: string): void {
    this.error = message;
    this.releaseFirstRenderWaiters();
  }

  clear(): void {
    this.stopCine();
    this.releaseFirstRenderWaiters();
    this.controller?.clear();
    this.open = null;
    this.mpr.seriesChanged(null);
    this.shownStack = null;
    this.snapshot = emptySnapshot;
  }

  scrollBy(delta: number): void {
    this.controller?.scrollBy(delta);
  }

  scrollTo(index: number): void {
    this.controller?.scrollTo(index);
  }

  scrollToEnd(): void {
    this.controller?.scrollTo((this.open?.frames.length ?? 1) - 1);
  }

  applyPreset(id: WlPreset['id']): void {
    const preset = wlPresets.find((p) => p.id === id);
    if (!preset || !this.controller) return;
    this.presetId = id;
    this.controller.setVoi(preset.voi);
    this.mpr.setVoi(preset.voi);
  }

  toggleInvert(): void {
    this.controller?.toggleInvert();
  }

  zoomBy(factor: number): void {
    this.controller?.zoomBy(factor);
  }

  fit(): void {
    this.controller?.fit();
  }

  reset(): void {
    this.presetId = 'default';
    this.controller?.reset();
    this.mpr.reset();
  }

  setPrimaryTool(tool: PrimaryTool): void {
    this.primaryTool = tool;
    this.controller?.setPrimaryTool(tool);
    this.mpr.setPrimaryTool(tool);
  }

  toggleCine(): void {
    if (this.cinePlaying) this.stopCine();
    else this.startCine();
  }

  setCineFps(fps: number): void {
    this.cineFps = Math.min(60, Math.max(1, Math.round(fps)));
    if (this.cinePlaying) this.startCine();
  }

  private startCine(): void {
    if (!this.controller || (this.open?.frames.length ?? 0) < 2) return;
    if (this.cineTimer) clearInterval(this.cineTimer);
    this.cinePlaying = true;
    this.cineTimer = setInterval(() => this.controller?.scrollBy(1, true), 1000 / this.cineFps);
  }

  stopCine(): void {
    if (this.cineTimer) clearInterval(this.cineTimer);
    this.cineTimer = null;
    this.cinePlaying = false;
  }

  toggleHelp(): void {
    this.helpOpen = !this.helpOpen;
  }

  closeHelp(): void {
    this.helpOpen = false;
  }

  probeAt(canvasPoint: [number, number]): void {
    const reading = this.controller?.probe(canvasPoint) ?? null;
    this.probeText = reading ? formatProbe(reading) : '';
  }
}

