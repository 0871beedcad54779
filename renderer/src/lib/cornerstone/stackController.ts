import { RenderingEngine, Enums, utilities, metaData, eventTarget, getShouldUseCPURendering, type Types } from '@cornerstonejs/core';
import {
  ToolGroupManager,
  addTool,
  state as toolState,
  Enums as ToolEnums,
  WindowLevelTool,
  PanTool,
  ZoomTool,
  StackScrollTool,
  annotation as annotationApi,
  utilities as toolUtilities,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';
import { probeAt, type ProbeReading } from '../probe';
import type { ImageFailure } from '../imageFailure';
import { failureOf } from './checkedLoader';
import { nextDraw } from './nextDraw';
import { rangeToVoi, voiToRange, type Voi } from '../presets';
import type { MeasurementGeometry, MeasurementKind } from '../../../../core/annotations/measurement';
import { WARM_UP_IMAGE_ID } from './warmViewport';
import { annotationOf, geometryOfHandles, kindOfTool, measurementKinds, measurementToolOf, roiTextLines } from './measurementTools';

/** What the UI shows about the viewport; replaced as a whole on every cornerstone event. */
export interface ViewportSnapshot {
  sliceIndex: number;
  sliceCount: number;
  voi: Voi | null;
  zoom: number;
  invert: boolean;
  /** performance.now() of the latest IMAGE_RENDERED, for the e2e harness and the bench. */
  renderedAt: number | null;
  renderedImageId: string | null;
  /** Where the image's outer corners sit on the canvas (CSS px): the e2e harness aims the probe with it. */
  imageRect: { left: number; top: number; width: number; height: number } | null;
}

export const emptySnapshot: ViewportSnapshot = {
  sliceIndex: 0,
  sliceCount: 0,
  voi: null,
  zoom: 1,
  invert: false,
  renderedAt: null,
  renderedImageId: null,
  imageRect: null,
};

/** What left-drag does: window/level, draw a measurement of that kind, or (brush, eraser) the drawing tool given to addDrawingTool. */
export type PrimaryTool = 'windowLevel' | MeasurementKind | 'brush' | 'eraser';

/** A cornerstone tool class as addTool takes it. */
export type ToolClass = Parameters<typeof addTool>[0];

/** A measurement drawn, changed or removed on this viewport; its geometry is in world coordinates (patient LPS mm). */
export interface MeasurementChange {
  change: 'completed' | 'modified' | 'removed';
  annotationUID: string;
  imageId: string;
  geometry: MeasurementGeometry;
}

/** A stored measurement to draw: its annotation UID (the measurement id), its image and geometry. */
export interface MeasurementToShow {
  annotationUID: string;
  imageId: string;
  geometry: MeasurementGeometry;
}

const { MouseBindings, KeyboardBindings } = ToolEnums;

let nextId = 0;

/**
 * Owns one cornerstone StackViewport mounted on an element: its rendering engine, its tool
 * group and the event listeners that feed `onChange`. Everything is released by `destroy()`.
 */
export class StackController {
  private readonly engine: RenderingEngine;
  readonly viewportId: string;
  private readonly toolGroup: ToolTypes.IToolGroup;
  private readonly resizeObserver: ResizeObserver;
  private snapshot: ViewportSnapshot = emptySnapshot;
  private stackToken = 0;
  private stopLoadMark: (() => void) | null = null;
  private onMeasurement: ((change: MeasurementChange) => void) | null = null;
  /** UIDs this controller is removing itself (a stack change): their REMOVED events are not the user's. */
  private readonly removingOwn = new Set<string>();
  /** The tool that draws segmentations (the segmentation feature's), once given. */
  private drawingToolName: string | null = null;
  private primaryTool: PrimaryTool = 'windowLevel';

  constructor(
    private readonly element: HTMLDivElement,
    private readonly onChange: (snapshot: ViewportSnapshot) => void,
    /** An image of this stack that cannot be shown (fetch, decode or check failed): it belongs to that image only. */
    private readonly onImageFailure: (failure: ImageFailure) => void,
  ) {
    const id = `vesalius-${++nextId}`;
    this.viewportId = `${id}-stack`;
    this.engine = new RenderingEngine(`${id}-engine`);
    this.engine.enableElement({ viewportId: this.viewportId, type: Enums.ViewportType.STACK, element });
    this.toolGroup = this.createToolGroup(`${id}-tools`);
    for (const [name, handler] of this.listeners) element.addEventListener(name, handler as EventListener);
    for (const [name, handler] of this.annotationListeners) eventTarget.addEventListener(name, handler as EventListener);
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_ERROR, this.onLoadError as EventListener);
    element.addEventListener('contextmenu', preventDefault);
    // Which cornerstone path draws: 'gpu' (WebGL2) is the one we ship; the e2e tests check it.
    element.dataset.renderPath = getShouldUseCPURendering() ? 'cpu' : 'gpu';
    this.resizeObserver = new ResizeObserver(() => this.engine.resize(true, true));
    this.resizeObserver.observe(element);
  }

  private get viewport(): Types.IStackViewport {
    return this.engine.getViewport(this.viewportId) as Types.IStackViewport;
  }

  private createToolGroup(toolGroupId: string): ToolTypes.IToolGroup {
    const group = ToolGroupManager.createToolGroup(toolGroupId);
    if (!group) throw new Error(`cornerstone refused tool group ${toolGroupId}`);
    for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool]) group.addTool(tool.toolName);
    // ROI text comes from our statistics (core/annotations/roi-stats), the numbers the measurement list and reports show.
    for (const kind of measurementKinds) group.addTool(measurementToolOf[kind].toolName, kind === 'ellipse' || kind === 'rectangle' ? { getTextLines: roiTextLines(kind) } : {});
    group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
    group.setToolActive(ZoomTool.toolName, {
      bindings: [{ mouseButton: MouseBindings.Secondary }, { mouseButton: MouseBindings.Wheel, modifierKey: KeyboardBindings.Ctrl }],
    });
    group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
    group.addViewport(this.viewportId, this.engine.id);
    bindPrimaryTool(group, 'windowLevel', null);
    return group;
  }

  setPrimaryTool(tool: PrimaryTool): void {
    this.primaryTool = tool;
    bindPrimaryTool(this.toolGroup, tool, this.drawingToolName);
  }

  /** Adds the tool that brush and eraser bind to left-drag (registered with cornerstone once per page). */
  addDrawingTool(tool: ToolClass, configuration: Record<string, unknown>): void {
    const name = (tool as unknown as { toolName: string }).toolName;
    if (!toolState.tools[name]) addTool(tool);
    if (!this.toolGroup.hasTool(name)) this.toolGroup.addTool(name, configuration);
    this.drawingToolName = name;
    bindPrimaryTool(this.toolGroup, this.primaryTool, name);
  }

  /** Shows a new stack; resolves once its first image is on screen. */
  async setStack(imageIds: string[], startIndex = 0): Promise<void> {
    const token = ++this.stackToken;
    this.publish({ ...emptySnapshot, sliceCount: imageIds.length, sliceIndex: startIndex });
    this.markWhenLoaded(imageIds[startIndex]);
    this.dropCarriedProperties();
    await this.viewport.setStack(imageIds, startIndex);
    if (token !== this.stackToken) return;
    this.repairView();
    // Only once the first image is drawn (or 5 s passed without a draw), so neighbours never compete with its fetch, decode or draw.
    void nextDraw(this.element, 5_000)
      .catch(() => undefined)
      .then(() => token === this.stackToken && toolUtilities.stackPrefetch.enable(this.element));
    this.refresh();
  }

  /** Who hears about measurements drawn, moved or removed on this viewport (the measurement store). */
  setMeasurementListener(listener: ((change: MeasurementChange) => void) | null): void {
    this.onMeasurement = listener;
  }

  /** Whether cornerstone still holds an annotation (a measurement drawn this session keeps its own UID). */
  hasAnnotation(annotationUID: string): boolean {
    return annotationApi.state.getAnnotation(annotationUID) !== undefined;
  }

  /** Draws stored measurements on the current stack (call after setStack); ones already shown are left alone. */
  showMeasurements(measurements: readonly MeasurementToShow[]): void {
    const viewport = this.viewport;
    const imageIds = viewport.getImageIds();
    for (const measurement of measurements) {
      if (this.hasAnnotation(measurement.annotationUID)) continue;
      const sliceIndex = imageIds.indexOf(measurement.imageId);
      if (sliceIndex < 0) continue;
      const reference = viewport.getViewReference({ sliceIndex }) as Record<string, unknown>;
      annotationApi.state.addAnnotation(annotationOf(measurement.geometry, measurement.annotationUID, measurement.imageId, reference), this.element);
    }
    viewport.render();
  }

  /** Removes measurement annotations of the shown stack (before showing another series' measurements, or an undone one). */
  removeMeasurements(annotationUIDs: readonly string[]): void {
    for (const uid of annotationUIDs) {
      if (!this.hasAnnotation(uid)) continue;
      this.removingOwn.add(uid);
      annotationApi.state.removeAnnotation(uid);
      this.removingOwn.delete(uid);
    }
    this.viewport.render();
  }

  /** Shows nothing (the study list was emptied). */
  clear(): void {
    this.stackToken++;
    this.publish(emptySnapshot);
  }

  /** A performance mark when the first image's pixels are decoded, so the bench can split load from draw. */
  private markWhenLoaded(imageId: string | undefined): void {
    this.stopLoadMark?.();
    this.stopLoadMark = null;
    if (!imageId) return;
    const stop = () => eventTarget.removeEventListener(Enums.Events.IMAGE_LOADED, onLoaded);
    const onLoaded = (event: Event) => {
      const detail = (event as CustomEvent<{ image?: { imageId?: string; decodeTimeInMS?: number } }>).detail;
      if (detail?.image?.imageId !== imageId) return;
      // With the codec's own time (the decoder worker's, from its start to the decoded pixels), so the bench can tell it from the parse and the queue.
      performance.mark('vesalius:first-image-loaded', { detail: { workerDecodeMs: detail.image.decodeTimeInMS ?? null } });
      stop();
    };
    // A cached image fires no IMAGE_LOADED: the listener then goes with the next stack or destroy().
    eventTarget.addEventListener(Enums.Events.IMAGE_LOADED, onLoaded);
    this.stopLoadMark = stop;
  }

  scrollTo(index: number): void {
    const count = this.viewport.getImageIds().length;
    if (!count) return;
    this.showIndex(Math.min(count - 1, Math.max(0, index)));
  }

  scrollBy(delta: number, loop = false): void {
    const count = this.viewport.getImageIds().length;
    if (!count) return;
    const current = this.viewport.getCurrentImageIdIndex();
    const target = loop ? (current + delta + count) % count : Math.min(count - 1, Math.max(0, current + delta));
    if (target !== current) this.showIndex(target);
  }

  private showIndex(index: number): void {
    const imageId = this.viewport.getImageIds()[index];
    this.viewport.setImageIdIndex(index).then(
      () => this.repairView(),
      (e: unknown) => imageId && this.onImageFailure(failureOf(imageId, e)),
    );
  }

  /**
   * cornerstone's stack viewport keeps display properties across stacks: the first VOI/invert ever
   * passed to setProperties stays its "global default", and a VOI once set by hand keeps being
   * reapplied. A new series starts from its own image's defaults instead.
   */
  private dropCarriedProperties(): void {
    const viewport = this.viewport as Types.IStackViewport & { clearDefaultProperties(imageId?: string): void };
    // Nothing sets properties on the warm-up image, and clearing them renders the shown image once more: on
    // the first series' path that was a whole software render of the black warm-up image (render bench).
    const shown = viewport.getCornerstoneImage()?.imageId;
    if (shown === undefined || shown === WARM_UP_IMAGE_ID) return;
    try {
      viewport.clearDefaultProperties();
    } catch {
      // The old image's properties could not be reset (its actor is gone): setStack rebuilds them.
    }
  }

  /** A camera or window that is not a number (an image that failed half-way) is put back to the image's own. */
  private repairView(): void {
    const viewport = this.viewport;
    if (!viewport?.getCornerstoneImage()) return;
    if (!Number.isFinite(viewport.getZoom())) viewport.resetCamera();
    const range = viewport.getProperties().voiRange;
    if (range && !(Number.isFinite(range.lower) && Number.isFinite(range.upper) && range.upper > range.lower)) viewport.resetProperties();
    viewport.render();
  }

  /**
   * IMAGE_LOAD_ERROR comes on cornerstone's global target for every viewport: one image's failure,
   * or (a throw while showing a loaded image) the list of failed loads of the current target.
   */
  private readonly onLoadError = (event: CustomEvent): void => {
    const viewport = this.engine.getViewport(this.viewportId) as (Types.IStackViewport & { getTargetImageIdIndex?: () => number }) | undefined;
    if (!viewport) return;
    const imageIds = viewport.getImageIds();
    const detail = event.detail as { imageId?: string; error?: unknown } | { reason?: unknown }[] | undefined;
    if (Array.isArray(detail)) {
      const target = imageIds[viewport.getTargetImageIdIndex?.() ?? viewport.getCurrentImageIdIndex()];
      for (const item of detail) if (target) this.onImageFailure(failureOf(target, item.reason));
      return;
    }
    if (detail?.imageId && imageIds.includes(detail.imageId)) this.onImageFailure(failureOf(detail.imageId, detail.error));
  };

  /** null restores the file's own VOI. */
  setVoi(voi: Voi | null): void {
    const viewport = this.viewport;
    if (voi && !(Number.isFinite(voi.windowCenter) && Number.isFinite(voi.windowWidth) && voi.windowWidth >= 1)) return;
    if (voi) viewport.setProperties({ voiRange: voiToRange(voi) });
    else {
      const invert = viewport.getProperties().invert ?? false;
      viewport.resetProperties();
      viewport.setProperties({ invert });
    }
    viewport.render();
    this.refresh();
  }

  toggleInvert(): void {
    const viewport = this.viewport;
    viewport.setProperties({ invert: !viewport.getProperties().invert });
    viewport.render();
    this.refresh();
  }

  zoomBy(factor: number): void {
    const viewport = this.viewport;
    viewport.setZoom(viewport.getZoom() * factor);
    viewport.render();
    this.refresh();
  }

  /** Fit to window and drop pan/zoom; keeps W/L so a preset survives a reset of the view. */
  fit(): void {
    this.viewport.resetCamera();
    this.viewport.render();
    this.refresh();
  }

  /** Back to how the image first appeared: camera and display properties. */
  reset(): void {
    this.viewport.resetCamera();
    this.viewport.resetProperties();
    this.viewport.render();
    this.refresh();
  }

  /** The value under a canvas point, read from the image's own pixel data (not the rendered canvas). */
  probe(canvasPoint: [number, number]): ProbeReading | null {
    const viewport = this.viewport;
    const imageId = viewport.getCurrentImageId();
    const image = viewport.getCornerstoneImage();
    if (!imageId || !image) return null;
    const worldPos = viewport.canvasToWorld(canvasPoint);
    let imageCoords: Types.Point2 | undefined;
    try {
      imageCoords = utilities.worldToImageCoords(imageId, worldPos);
    } catch {
      // An image plane without a position (a secondary capture read from a deflated data set): nothing to probe.
      return null;
    }
    if (!imageCoords) return null;
    const [i, j] = imageCoords;
    const pixels = image.getPixelData();
    const modality = imageModality(imageId);
    return probeAt(
      {
        columns: image.columns,
        rows: image.rows,
        modality,
        pixels,
        prescaled: image.preScale?.scaled === true,
        rescaleSlope: image.slope ?? 1,
        rescaleIntercept: image.intercept ?? 0,
      },
      i,
      j,
    );
  }

  /** The canvas cornerstone draws into (for thumbnails of the current view, tests). */
  get canvas(): HTMLCanvasElement {
    return this.viewport.canvas;
  }

  destroy(): void {
    this.stackToken++;
    this.stopLoadMark?.();
    this.resizeObserver.disconnect();
    toolUtilities.stackPrefetch.disable(this.element);
    for (const [name, handler] of this.listeners) this.element.removeEventListener(name, handler as EventListener);
    for (const [name, handler] of this.annotationListeners) eventTarget.removeEventListener(name, handler as EventListener);
    eventTarget.removeEventListener(Enums.Events.IMAGE_LOAD_ERROR, this.onLoadError as EventListener);
    this.onMeasurement = null;
    this.element.removeEventListener('contextmenu', preventDefault);
    ToolGroupManager.destroyToolGroup(this.toolGroup.id);
    this.engine.destroy();
  }

  private readonly listeners: [string, (event: CustomEvent) => void][] = [
    // Resizes render the empty viewport too, and the warm-up image is redrawn while the next stack loads
    // (warmViewport): only a render of an image of the current stack counts as "rendered".
    [Enums.Events.IMAGE_RENDERED, () => (this.drawsStackImage() ? this.refresh({ renderedAt: performance.now() }) : undefined)],
    [Enums.Events.STACK_NEW_IMAGE, () => this.refresh()],
    [Enums.Events.VOI_MODIFIED, () => this.refresh()],
    [Enums.Events.CAMERA_MODIFIED, () => this.refresh()],
  ];

  /** Measurement annotation events (cornerstone sends them on its global event target) for this viewport's stack. */
  private readonly annotationListeners: [string, (event: CustomEvent) => void][] = [
    [ToolEnums.Events.ANNOTATION_COMPLETED, (event) => this.forwardMeasurement('completed', event)],
    // Only a moved handle is the user's change; StatsUpdated follows every (re)computation of the statistics.
    [ToolEnums.Events.ANNOTATION_MODIFIED, (event) => (event.detail as { changeType?: string })?.changeType === ToolEnums.ChangeTypes.HandlesUpdated && this.forwardMeasurement('modified', event)],
    [ToolEnums.Events.ANNOTATION_REMOVED, (event) => this.forwardMeasurement('removed', event)],
  ];

  private forwardMeasurement(change: MeasurementChange['change'], event: CustomEvent): void {
    const annotation = (event.detail as { annotation?: ToolTypes.Annotation } | undefined)?.annotation;
    const kind = kindOfTool(annotation?.metadata?.toolName);
    if (!annotation || !kind || !this.onMeasurement) return;
    const uid = annotation.annotationUID;
    const imageId = annotation.metadata?.referencedImageId;
    // An angle being drawn has two of its three points: not a measurement yet.
    const geometry = geometryOfHandles(kind, annotation.data?.handles?.points as Types.Point3[] | undefined);
    if (!uid || !imageId || !geometry) return;
    if (change === 'removed' && this.removingOwn.has(uid)) return;
    if (!this.engine.getViewport(this.viewportId) || !this.viewport.getImageIds().includes(imageId)) return;
    this.onMeasurement({ change, annotationUID: uid, imageId, geometry });
  }

  /** The viewport shows an image of its own stack (not nothing, and not the warm-up image of another stack). */
  private drawsStackImage(): boolean {
    const imageId = this.viewport?.getCornerstoneImage()?.imageId;
    return imageId !== undefined && imageId !== WARM_UP_IMAGE_ID && this.viewport.getImageIds().includes(imageId);
  }

  private refresh(extra: Partial<ViewportSnapshot> = {}): void {
    const viewport = this.viewport;
    if (!viewport) return;
    const imageIds = viewport.getImageIds();
    const properties = viewport.getProperties();
    // The image actually drawn: after a failed load the current index points at an image that never arrived.
    const rendered = extra.renderedAt !== undefined ? { renderedImageId: viewport.getCornerstoneImage()?.imageId ?? null } : {};
    this.publish({
      ...this.snapshot,
      sliceIndex: imageIds.length ? viewport.getCurrentImageIdIndex() : this.snapshot.sliceIndex,
      sliceCount: imageIds.length || this.snapshot.sliceCount,
      voi: properties.voiRange ? rangeToVoi(properties.voiRange) : null,
      invert: properties.invert ?? false,
      zoom: finiteOr(imageIds.length && viewport.getCornerstoneImage() ? viewport.getZoom() : 1, 1),
      imageRect: this.displayedImageRect(),
      ...rendered,
      ...extra,
    });
  }

  private displayedImageRect(): ViewportSnapshot['imageRect'] {
    const viewport = this.viewport;
    const imageId = viewport.getCurrentImageId();
    const image = viewport.getCornerstoneImage();
    if (!imageId || !image) return null;
    const corner = (i: number, j: number) => viewport.worldToCanvas(utilities.imageToWorldCoords(imageId, [i, j]) as Types.Point3);
    try {
      const [x0, y0] = corner(0, 0);
      const [x1, y1] = corner(image.columns, image.rows);
      const rect = { left: Math.min(x0, x1), top: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) };
      return Object.values(rect).every(Number.isFinite) ? rect : null;
    } catch {
      // An image plane without a position (secondary capture read from a deflated data set): no rectangle to report.
      return null;
    }
  }

  private publish(snapshot: ViewportSnapshot): void {
    this.snapshot = snapshot;
    this.onChange(snapshot);
  }
}

function imageModality(imageId: string): string {
  const seriesModule = metaData.get('generalSeriesModule', imageId) as { modality?: string } | undefined;
  return seriesModule?.modality ?? '';
}

const preventDefault = (event: Event) => event.preventDefault();

const finiteOr = (value: number, fallback: number): number => (Number.isFinite(value) ? value : fallback);

/** Left-drag does window/level, draws one kind of measurement, or paints (brush, eraser); drawn measurements stay editable either way. */
function bindPrimaryTool(group: ToolTypes.IToolGroup, tool: PrimaryTool, drawingToolName: string | null): void {
  const drawing = (tool === 'brush' || tool === 'eraser') && drawingToolName !== null;
  if (drawingToolName && !drawing) group.setToolDisabled(drawingToolName);
  const measuring = measurementKinds.find((kind) => kind === tool) ?? null;
  for (const kind of measurementKinds) if (kind !== measuring) group.setToolPassive(measurementToolOf[kind].toolName);
  if (measuring || drawing) group.setToolDisabled(WindowLevelTool.toolName);
  if (measuring) group.setToolActive(measurementToolOf[measuring].toolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
  else if (drawing) group.setToolActive(drawingToolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
  else group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
}
