// The cornerstone adapter of the volume views: an axial, a sagittal and a coronal ORTHOGRAPHIC viewport
// over one streaming volume of the open series, crosshairs between them, W/L linked by a VOI
// synchroniser, the wheel scrolling each view. Everything is released by destroy().
import { RenderingEngine, Enums, cache, getConfiguration, eventTarget, imageLoader, metaData, setVolumesForViewports, volumeLoader, type Types } from '@cornerstonejs/core';
import {
  ToolGroupManager,
  SynchronizerManager,
  synchronizers,
  Enums as ToolEnums,
  CrosshairsTool,
  WindowLevelTool,
  PanTool,
  ZoomTool,
  StackScrollTool,
  addTool,
  state as toolState,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';
import type { PrimaryTool, ToolClass } from '../lib/cornerstone/stackController';
import type { OrientationMarkers } from '../lib/orientation';
import { markersOfCamera } from './cameraMarkers';
import type { ImageFailure } from '../lib/imageFailure';
import { failureOf } from '../lib/cornerstone/checkedLoader';
import { VOLUME_LOADER_SCHEME } from '../lib/cornerstone/setup';
import { rangeToVoi, voiToRange, type Voi } from '../lib/presets';
import { MPR_AXES, type MprAxis } from './layout';
import type { FramePlaneLookup } from './volumeEligibility';

/** What one volume view reports; replaced as a whole on every cornerstone event of that view. */
export interface MprViewSnapshot {
  /** performance.now() of the latest render after the whole volume had loaded (the e2e harness waits for it). */
  renderedAt: number | null;
  sliceIndex: number;
  sliceCount: number;
  voi: Voi | null;
  /** The volume's outline on the canvas (CSS px): the e2e harness and the overlays aim with it. */
  imageRect: { left: number; top: number; width: number; height: number } | null;
  markers: OrientationMarkers | null;
}

export const emptyMprView: MprViewSnapshot = { renderedAt: null, sliceIndex: 0, sliceCount: 0, voi: null, imageRect: null, markers: null };

export interface VolumeProgress {
  framesDone: number;
  framesTotal: number;
  /** Every frame has been processed (loaded or failed). */
  complete: boolean;
  /** The volume's voxel type as cornerstone chose it ('Int16Array' for CT stored as integers). */
  scalarType: string;
}

const ORIENTATION: Record<MprAxis, Enums.OrientationAxis> = {
  axial: Enums.OrientationAxis.AXIAL,
  sagittal: Enums.OrientationAxis.SAGITTAL,
  coronal: Enums.OrientationAxis.CORONAL,
};

const { MouseBindings, KeyboardBindings } = ToolEnums;

let nextId = 0;

/** How long after a new volume or layout a resize still counts as its consequence. */
const FIT_ON_RESIZE_MS = 1000;

export class MprController {
  private readonly engine: RenderingEngine;
  private readonly toolGroup: ToolTypes.IToolGroup;
  private readonly voiSynchronizerId: string;
  private readonly resizeObserver: ResizeObserver;
  private readonly viewportIds: Record<MprAxis, string>;
  private readonly snapshots = new Map<MprAxis, MprViewSnapshot>();
  private volumeId: string | null = null;
  private volumeImageIds: readonly string[] = [];
  private volumeLoaded = false;
  private scalarType = '';
  /** performance.now() until which a resize fits the views instead of keeping their cameras. */
  private fitOnResizeUntil = 0;
  private token = 0;
  private onProgress: ((progress: VolumeProgress) => void) | null = null;
  /** The segmentation's brush/eraser tool (bound to left-drag while one of them is the primary tool). */
  private drawingToolName: string | null = null;
  private primaryTool: PrimaryTool = 'windowLevel';

  constructor(
    private readonly elements: Record<MprAxis, HTMLDivElement>,
    private readonly onChange: (axis: MprAxis, snapshot: MprViewSnapshot) => void,
    /** An image of the volume that could not be loaded: the volume is incomplete. */
    private readonly onImageFailure: (failure: ImageFailure) => void,
  ) {
    const id = `vesalius-mpr-${++nextId}`;
    this.engine = createViewsEngine(`${id}-engine`);
    this.viewportIds = { axial: `${id}-axial`, sagittal: `${id}-sagittal`, coronal: `${id}-coronal` };
    this.engine.setViewports(
      MPR_AXES.map((axis) => ({
        viewportId: this.viewportIds[axis],
        type: Enums.ViewportType.ORTHOGRAPHIC,
        element: elements[axis],
        defaultOptions: { orientation: ORIENTATION[axis], background: [0, 0, 0] as Types.Point3 },
      })),
    );
    this.toolGroup = this.createToolGroup(`${id}-tools`);
    this.voiSynchronizerId = `${id}-voi`;
    const voiSync = synchronizers.createVOISynchronizer(this.voiSynchronizerId, { syncInvertState: true, syncColormap: false });
    for (const axis of MPR_AXES) {
      voiSync.add({ renderingEngineId: this.engine.id, viewportId: this.viewportIds[axis] });
      const element = elements[axis];
      for (const [name, handler] of this.viewListeners(axis)) element.addEventListener(name, handler);
      element.addEventListener('contextmenu', preventDefault);
      this.snapshots.set(axis, emptyMprView);
    }
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_ERROR, this.onLoadError as EventListener);
    eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, this.onVolumeModified as EventListener);
    eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, this.onVolumeCompleted as EventListener);
    // A resize keeps each view's camera, except just after a new volume or layout: then the views are fitted to their new size.
    this.resizeObserver = new ResizeObserver(() => this.engine.resize(true, performance.now() > this.fitOnResizeUntil));
    for (const axis of MPR_AXES) this.resizeObserver.observe(elements[axis]);
  }

  private createToolGroup(toolGroupId: string): ToolTypes.IToolGroup {
    const group = ToolGroupManager.createToolGroup(toolGroupId);
    if (!group) throw new Error(`cornerstone refused tool group ${toolGroupId}`);
    for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, CrosshairsTool]) group.addTool(tool.toolName);
    for (const axis of MPR_AXES) group.addViewport(this.viewportIds[axis], this.engine.id);
    group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
    group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
    group.setToolActive(ZoomTool.toolName, {
      bindings: [{ mouseButton: MouseBindings.Secondary }, { mouseButton: MouseBindings.Wheel, modifierKey: KeyboardBindings.Ctrl }],
    });
    group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
    // Passive: the lines are drawn and can be dragged by their handles; a drag elsewhere is still W/L.
    group.setToolPassive(CrosshairsTool.toolName);
    return group;
  }

  /**
   * The per-frame planes of the series' multi-frame files (the catalog has one position per file):
   * loading a frame through the checked loader reads the file, whose functional groups cornerstone's
   * metadata provider then answers for every frame.
   */
  async framePlanes(firstFrameImageIds: readonly string[]): Promise<FramePlaneLookup> {
    for (const imageId of firstFrameImageIds) await imageLoader.loadAndCacheImage(imageId);
    return (imageId) => {
      const plane = metaData.get('imagePlaneModule', imageId) as { imageOrientationPatient?: number[]; imagePositionPatient?: number[]; usingDefaultValues?: boolean } | undefined;
      if (!plane?.imagePositionPatient || plane.usingDefaultValues) return null;
      return { imageOrientationPatient: plane.imageOrientationPatient ?? null, imagePositionPatient: plane.imagePositionPatient };
    };
  }

  /**
   * Builds the series' volume from `imageIds` (canonical order; every image through the checked
   * wadouri loader) and shows it in the three views; resolves once the views have it, while the
   * slices keep streaming in (`onProgress`). The previous volume is freed first.
   */
  async showVolume(imageIds: readonly string[], onProgress: (progress: VolumeProgress) => void): Promise<void> {
    this.releaseVolume();
    const token = ++this.token;
    const volumeId = `${VOLUME_LOADER_SCHEME}:vesalius-volume-${nextId}-${token}`;
    this.volumeId = volumeId;
    // cornerstone may reverse the array it is given in place: it gets a copy.
    this.volumeImageIds = [...imageIds];
    this.onProgress = onProgress;
    const volume = (await volumeLoader.createAndCacheVolume(volumeId, { imageIds: [...imageIds] })) as Types.IImageVolume & { load?: () => void };
    // Released (another series, the layout back to 1×1) while cornerstone was building it: it is freed, not kept.
    if (token !== this.token) return removeFromCache(volumeId);
    this.volumeImageIds = volume.imageIds;
    this.scalarType = volume.dataType ?? '';
    await setVolumesForViewports(this.engine, [{ volumeId }], MPR_AXES.map((axis) => this.viewportIds[axis]));
    if (token !== this.token) return;
    // Fit each view to this volume: the views (kept across series and layouts) still hold the last one's camera.
    for (const axis of MPR_AXES) this.viewport(axis)?.resetCamera();
    this.fitOnNextResize();
    volume.load?.();
    for (const axis of MPR_AXES) this.refresh(axis);
  }

  /** The views' cornerstone viewport ids (labelmap representations are added to them). */
  get viewportIdList(): string[] {
    return MPR_AXES.map((axis) => this.viewportIds[axis]);
  }

  /** One view's cornerstone viewport id. */
  viewportIdOf(axis: MprAxis): string {
    return this.viewportIds[axis];
  }

  /** Adds the tool that brush and eraser bind to left-drag (the stack's one: strokes go to the same sink). */
  addDrawingTool(tool: ToolClass, configuration: Record<string, unknown>): void {
    const name = (tool as unknown as { toolName: string }).toolName;
    if (!toolState.tools[name]) addTool(tool);
    if (!this.toolGroup.hasTool(name)) this.toolGroup.addTool(name, configuration);
    this.drawingToolName = name;
    this.setPrimaryTool(this.primaryTool);
  }

  /** Left-drag draws with brush or eraser; any other choice (measurements are stack-only) is window/level. */
  setPrimaryTool(tool: PrimaryTool): void {
    this.primaryTool = tool;
    const name = this.drawingToolName;
    const drawing = (tool === 'brush' || tool === 'eraser') && name !== null;
    const primary = [{ mouseButton: MouseBindings.Primary }];
    if (drawing) {
      this.toolGroup.setToolDisabled(WindowLevelTool.toolName);
      this.toolGroup.setToolActive(name, { bindings: primary });
    } else {
      if (name) this.toolGroup.setToolDisabled(name);
      this.toolGroup.setToolActive(WindowLevelTool.toolName, { bindings: primary });
    }
  }

  /** Frees the shown volume (its images stay in cornerstone's image cache for the stack, within its limit). */
  releaseVolume(): void {
    this.token++;
    this.volumeLoaded = false;
    this.onProgress = null;
    const volumeId = this.volumeId;
    this.volumeId = null;
    this.volumeImageIds = [];
    if (!volumeId) return;
    for (const axis of MPR_AXES) {
      const viewport = this.viewport(axis);
      // By the volume each actor shows: cornerstone 5.14 names a volume's actor with a random uid, not the volume's
      // id. An actor left behind outlives its freed volume, and the next setVolumes' events (VOI, camera,
      // crosshairs) read it before replacing it: 25 uncaught errors per 1×1 → 1×3 round.
      const actorUids = viewport?.getActors().filter((actor) => actor.referencedId === volumeId).map((actor) => actor.uid) ?? [];
      if (actorUids.length) viewport?.removeVolumeActors(actorUids);
      this.publish(axis, emptyMprView);
    }
    const volume = cache.getVolume(volumeId) as (Types.IImageVolume & { cancelLoading?: () => void }) | undefined;
    volume?.cancelLoading?.();
    this.releaseTexture(volume);
    removeFromCache(volumeId);
  }

  /**
   * cornerstone 5.14's ImageVolume.destroy() releases the volume's GL texture without naming the render
   * window, which vtk needs to delete it; the views' context lives on, so the texture is released here
   * first, in that context (bench/mpr-memory.bench.ts measures the GPU process across 1×3 → 1×1 rounds).
   */
  private releaseTexture(volume: Types.IImageVolume | undefined): void {
    const texture = (volume as { vtkOpenGLTexture?: { releaseGraphicsResources(renderWindow?: unknown): void } } | undefined)?.vtkOpenGLTexture;
    const offscreen = this.engine.getOffscreenMultiRenderWindow(this.viewportIds.axial) as { getOpenGLRenderWindow?: () => unknown } | undefined;
    const renderWindow = offscreen?.getOpenGLRenderWindow?.();
    if (texture && renderWindow) texture.releaseGraphicsResources(renderWindow);
  }

  /** The views are about to change size (a layout change, hidden views shown): the resize that follows fits them. */
  fitOnNextResize(): void {
    this.fitOnResizeUntil = performance.now() + FIT_ON_RESIZE_MS;
  }

  /** Sets W/L in every view (the synchroniser would copy it too; set directly so it does not depend on event order). */
  setVoi(voi: Voi | null): void {
    for (const axis of MPR_AXES) {
      const viewport = this.viewport(axis);
      if (!viewport || !this.volumeId) continue;
      if (voi) viewport.setProperties({ voiRange: voiToRange(voi) });
      else viewport.resetProperties();
      viewport.render();
    }
  }

  /** Fit every view and put the crosshairs back in the middle. */
  resetViews(): void {
    for (const axis of MPR_AXES) {
      const viewport = this.viewport(axis);
      viewport?.resetCamera();
      viewport?.resetProperties();
    }
    const crosshairs = this.toolGroup.getToolInstance(CrosshairsTool.toolName) as CrosshairsTool | undefined;
    crosshairs?.resetCrosshairs?.();
    this.engine.render();
  }

  destroy(): void {
    this.releaseVolume();
    this.resizeObserver.disconnect();
    for (const axis of MPR_AXES) {
      const element = this.elements[axis];
      for (const [name, handler] of this.viewListeners(axis)) element.removeEventListener(name, handler);
      element.removeEventListener('contextmenu', preventDefault);
    }
    eventTarget.removeEventListener(Enums.Events.IMAGE_LOAD_ERROR, this.onLoadError as EventListener);
    eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, this.onVolumeModified as EventListener);
    eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, this.onVolumeCompleted as EventListener);
    SynchronizerManager.destroySynchronizer(this.voiSynchronizerId);
    ToolGroupManager.destroyToolGroup(this.toolGroup.id);
    // With the engine go its WebGL context and every texture in it (a freed volume's texture is only
    // released by the context: vtk keeps it registered with the render window).
    this.engine.destroy();
  }

  private viewport(axis: MprAxis): Types.IVolumeViewport | undefined {
    return this.engine.getViewport(this.viewportIds[axis]) as Types.IVolumeViewport | undefined;
  }

  /** One listener list per view, made once so the same functions are removed again. */
  private readonly listenerCache = new Map<MprAxis, [string, EventListener][]>();

  private viewListeners(axis: MprAxis): [string, EventListener][] {
    let listeners = this.listenerCache.get(axis);
    if (!listeners) {
      listeners = [
        [Enums.Events.IMAGE_RENDERED, () => this.refresh(axis, this.volumeLoaded ? { renderedAt: performance.now() } : {})],
        [Enums.Events.CAMERA_MODIFIED, () => this.refresh(axis)],
        [Enums.Events.VOI_MODIFIED, () => this.refresh(axis)],
        [Enums.Events.VOLUME_NEW_IMAGE, () => this.refresh(axis)],
      ];
      this.listenerCache.set(axis, listeners);
    }
    return listeners;
  }

  /**
   * cornerstone's streaming volume reports a failed slice with its arguments shifted: `imageId` then
   * holds the slice's index in the volume. Both shapes are read; failures of other volumes are not ours.
   */
  private readonly onLoadError = (event: CustomEvent): void => {
    if (!this.volumeId) return;
    const detail = event.detail as { imageId?: unknown; error?: unknown } | undefined;
    const imageId = typeof detail?.imageId === 'number' ? this.volumeImageIds[detail.imageId] : typeof detail?.imageId === 'string' ? detail.imageId : undefined;
    if (!imageId || !this.volumeImageIds.includes(imageId)) return;
    this.onImageFailure(failureOf(imageId, detail?.error));
  };

  private readonly onVolumeModified = (event: CustomEvent): void => {
    const detail = event.detail as { volumeId?: string; framesProcessed?: number; numberOfFrames?: number } | undefined;
    if (!detail || detail.volumeId !== this.volumeId) return;
    this.onProgress?.({ framesDone: detail.framesProcessed ?? 0, framesTotal: this.volumeImageIds.length, complete: false, scalarType: this.scalarType });
  };

  private readonly onVolumeCompleted = (event: CustomEvent): void => {
    const detail = event.detail as { volumeId?: string } | undefined;
    if (!detail || detail.volumeId !== this.volumeId) return;
    this.volumeLoaded = true;
    this.onProgress?.({ framesDone: this.volumeImageIds.length, framesTotal: this.volumeImageIds.length, complete: true, scalarType: this.scalarType });
    this.engine.render();
  };

  private refresh(axis: MprAxis, extra: Partial<MprViewSnapshot> = {}): void {
    const viewport = this.viewport(axis);
    if (!viewport || !this.volumeId) return;
    const camera = viewport.getCamera();
    const properties = viewport.getProperties();
    let sliceIndex = 0;
    let sliceCount = 0;
    try {
      sliceIndex = viewport.getSliceIndex();
      sliceCount = viewport.getNumberOfSlices();
    } catch {
      // The volume's actor is not on the viewport yet: no slices to count.
    }
    this.publish(axis, {
      ...(this.snapshots.get(axis) ?? emptyMprView),
      sliceIndex,
      sliceCount,
      voi: properties?.voiRange ? rangeToVoi(properties.voiRange) : null,
      imageRect: this.volumeRect(viewport),
      markers: markersOfCamera(camera),
      ...extra,
    });
  }

  /** Where the volume's outer corners project on the canvas (CSS px), as their bounding box. */
  private volumeRect(viewport: Types.IVolumeViewport): MprViewSnapshot['imageRect'] {
    const data = viewport.getImageData();
    if (!data?.imageData) return null;
    const [ni, nj, nk] = data.dimensions;
    const xs: number[] = [];
    const ys: number[] = [];
    for (const i of [-0.5, ni - 0.5]) {
      for (const j of [-0.5, nj - 0.5]) {
        for (const k of [-0.5, nk - 0.5]) {
          const world = data.imageData.indexToWorld([i, j, k]) as Types.Point3;
          const [x, y] = viewport.worldToCanvas(world);
          xs.push(x);
          ys.push(y);
        }
      }
    }
    const rect = { left: Math.min(...xs), top: Math.min(...ys), width: Math.max(...xs) - Math.min(...xs), height: Math.max(...ys) - Math.min(...ys) };
    return Object.values(rect).every(Number.isFinite) ? rect : null;
  }

  private publish(axis: MprAxis, snapshot: MprViewSnapshot): void {
    this.snapshots.set(axis, snapshot);
    this.onChange(axis, snapshot);
  }
}

const preventDefault = (event: Event) => event.preventDefault();

/**
 * The views' own rendering engine, with one WebGL context instead of cornerstone's default pool of 7:
 * the stack's engine holds 7 already and Chromium keeps at most 16 live per page, dropping the oldest
 * (the stack's) beyond that. The three views take turns in the one context. cornerstone reads the
 * count when an engine is made, so it is lowered for this construction only.
 */
function createViewsEngine(engineId: string): RenderingEngine {
  const rendering = getConfiguration().rendering as { webGlContextCount?: number };
  const contexts = rendering.webGlContextCount;
  rendering.webGlContextCount = 1;
  try {
    return new RenderingEngine(engineId);
  } finally {
    rendering.webGlContextCount = contexts;
  }
}

/** Frees a volume (voxels, vtk image data, GPU texture); one cornerstone never cached (it failed to build) is left alone. */
function removeFromCache(volumeId: string): void {
  if (cache.getVolumeLoadObject(volumeId)) cache.removeVolumeLoadObject(volumeId);
}
