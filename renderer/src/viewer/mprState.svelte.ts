// The viewer's layout and the volume views' state: which series' volume they show, how far it has
// loaded, why it cannot be shown. The cornerstone side (MprController) is attached while the views are mounted.
import type { StackFrame } from '../lib/imageIds';
import type { ImageFailure } from '../lib/imageFailure';
import { describeLoadError } from '../lib/errors';
import { ImageLoadFailure } from '../lib/cornerstone/checkedLoader';
import type { Voi } from '../lib/presets';
import type { PrimaryTool, ToolClass } from '../lib/cornerstone/stackController';
import { layoutPanes, type Layout, type MprAxis } from './layout';
import { emptyMprView, type MprController, type MprViewSnapshot } from './mprController';
import { slicesOfFrames, volumeEligibility } from './volumeEligibility';

export type VolumeStatus =
  | { kind: 'idle' }
  | { kind: 'loading'; framesDone: number; framesTotal: number }
  | { kind: 'ready'; scalarType: string }
  /** The series cannot form a volume, or an image of it could not be loaded: the reason is shown in the views. */
  | { kind: 'refused'; reason: string };

/** Who shows more on the volume views (the segmentation's, the Scoring dock's, the assistant's labelmaps): told when the views have a series' volume and before it goes. */
export interface VolumeViewsListener {
  /** The views show `frames`' volume (it may still be streaming in). */
  shown(viewportIds: readonly string[], frames: readonly StackFrame[]): void;
  /** The volume is about to be released (another series, 1×1, the views unmounted). */
  released(viewportIds: readonly string[]): void;
}

const emptyViews = (): Record<MprAxis, MprViewSnapshot> => ({ axial: emptyMprView, sagittal: emptyMprView, coronal: emptyMprView });

export class MprState {
  layout = $state<Layout>('1x1');
  status = $state.raw<VolumeStatus>({ kind: 'idle' });
  views = $state.raw<Record<MprAxis, MprViewSnapshot>>(emptyViews());
  readonly panes = $derived(layoutPanes(this.layout));
  /**
   * Set the first time a volume layout is chosen: from then on the views stay mounted (hidden in 1×1),
   * like the stack, so their rendering engine and WebGL context are made once per page. Each new
   * context costs the GPU process memory Chromium does not give back when it is destroyed (measured
   * by bench/mpr-memory.bench.ts), so views made and destroyed per layout change grew it every time.
   */
  viewsKept = $state(false);

  private controller: MprController | null = null;
  private frames: readonly StackFrame[] | null = null;
  /** Bumped per volume asked for, so a late answer for an earlier series is dropped. */
  private request = 0;
  private drawingTool: { tool: ToolClass; configuration: Record<string, unknown> } | null = null;
  private primaryTool: PrimaryTool = 'windowLevel';
  private readonly listeners = new Set<VolumeViewsListener>();
  /** The views' viewport ids while they show a volume (the listener was told). */
  private shownOn: readonly string[] | null = null;

  /** `onImageFailure`: the viewer's record of images that cannot be shown (the stack and the thumbnails show it too). */
  constructor(private readonly onImageFailure: (failure: ImageFailure) => void) {}

  /** A volume layout builds the open series' volume (once: 1×3 ↔ 2×2 keeps it); 1×1 frees it. */
  setLayout(layout: Layout): void {
    const hadVolumeViews = this.panes.mpr;
    this.controller?.fitOnNextResize();
    this.layout = layout;
    if (!this.panes.mpr) return this.releaseVolume();
    this.viewsKept = true;
    if (!hadVolumeViews) void this.show();
  }

  /** The open series changed (null: closed): the old volume is freed, the new one built if a volume layout is shown. */
  seriesChanged(frames: readonly StackFrame[] | null): void {
    this.frames = frames;
    this.releaseVolume();
    void this.show();
  }

  /** Adds a listener, told at once when the views already show a volume; the returned function removes it. */
  addVolumeViewsListener(listener: VolumeViewsListener): () => void {
    this.listeners.add(listener);
    if (this.shownOn && this.frames) listener.shown(this.shownOn, this.frames);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** A view's cornerstone viewport id while the views are mounted (overlays over a view match the pointer's viewport with it). */
  viewportIdOf(axis: MprAxis): string | null {
    return this.controller?.viewportIdOf(axis) ?? null;
  }

  /** The brush/eraser tool, added to the views' tool group (now or once mounted). */
  setDrawingTool(tool: ToolClass, configuration: Record<string, unknown>): void {
    this.drawingTool = { tool, configuration };
    this.controller?.addDrawingTool(tool, configuration);
  }

  setPrimaryTool(tool: PrimaryTool): void {
    this.primaryTool = tool;
    this.controller?.setPrimaryTool(tool);
  }

  private tellReleased(): void {
    const shownOn = this.shownOn;
    this.shownOn = null;
    if (shownOn) for (const listener of [...this.listeners]) listener.released(shownOn);
  }

  private releaseVolume(): void {
    this.request++;
    this.tellReleased();
    this.controller?.releaseVolume();
    this.views = emptyViews();
    this.status = { kind: 'idle' };
  }

  /** The views were mounted with this controller; the returned function detaches it (the views unmount, destroying it and its volume). */
  attach(controller: MprController): () => void {
    this.controller = controller;
    if (this.drawingTool) controller.addDrawingTool(this.drawingTool.tool, this.drawingTool.configuration);
    controller.setPrimaryTool(this.primaryTool);
    void this.show();
    return () => {
      if (this.controller !== controller) return;
      this.tellReleased();
      this.controller = null;
      this.request++;
      this.views = emptyViews();
      this.status = { kind: 'idle' };
    };
  }

  update(axis: MprAxis, snapshot: MprViewSnapshot): void {
    this.views = { ...this.views, [axis]: snapshot };
  }

  /** An image of the volume failed: the volume has a hole, so the views say which image and why. */
  imageFailed(failure: ImageFailure): void {
    this.onImageFailure(failure);
    this.status = { kind: 'refused', reason: `the volume is incomplete: ${failure.fileName} could not be read (${failure.reason})` };
  }

  /** The views could not be set up at all (no WebGL2, cornerstone refused the viewports). */
  startFailed(reason: string): void {
    this.status = { kind: 'refused', reason };
  }

  setVoi(voi: Voi | null): void {
    this.controller?.setVoi(voi);
  }

  reset(): void {
    this.controller?.resetViews();
  }

  private async show(): Promise<void> {
    const controller = this.controller;
    const frames = this.frames;
    const request = ++this.request;
    if (!controller || !frames || !this.panes.mpr) return;
    const current = () => request === this.request && this.controller === controller;
    try {
      // Multi-frame files: their frames' planes come from the files themselves (one load per file).
      const multiFrameFirsts = frames.filter((f) => f.frame === 1).map((f) => f.imageId);
      const framePlane = multiFrameFirsts.length ? await controller.framePlanes(multiFrameFirsts) : () => null;
      if (!current()) return;
      const slices = slicesOfFrames(frames, framePlane);
      const eligible = Array.isArray(slices) ? volumeEligibility(slices) : { ok: false as const, reason: slices.reason };
      if (!eligible.ok) {
        this.status = { kind: 'refused', reason: eligible.reason };
        return;
      }
      this.status = { kind: 'loading', framesDone: 0, framesTotal: frames.length };
      await controller.showVolume(
        frames.map((f) => f.imageId),
        (progress) => {
          if (!current() || this.status.kind === 'refused') return;
          this.status = progress.complete ? { kind: 'ready', scalarType: progress.scalarType } : { kind: 'loading', framesDone: progress.framesDone, framesTotal: progress.framesTotal };
        },
      );
      if (!current()) return;
      this.shownOn = controller.viewportIdList;
      for (const listener of [...this.listeners]) listener.shown(this.shownOn, frames);
    } catch (e) {
      if (!current()) return;
      if (e instanceof ImageLoadFailure) this.imageFailed(e.failure);
      else this.status = { kind: 'refused', reason: `cornerstone could not build the volume (${describeLoadError(e)})` };
    }
  }
}
