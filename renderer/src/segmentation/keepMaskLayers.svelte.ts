// A component's shown masks kept on the viewer's stack viewport, and on its volume views while they show the same series, as cornerstone labelmaps.
import { untrack } from 'svelte';
import { metaData } from '@cornerstonejs/core';
import type { OpenSeries, ViewerState } from '../state/viewer.svelte';
import type { StackFrame } from '../lib/imageIds';
import { MaskLayers, type MaskLayer, type StackGrid } from './maskLayers';
import { loadStackImages } from './stackImages';

/** Every MaskLayers on the page by its owner's name, for the e2e harness (window.__vesaliusMaskLayers). */
const registry = new Map<string, MaskLayers>();
(globalThis as { __vesaliusMaskLayers?: () => Record<string, MaskLayers['keys']> }).__vesaliusMaskLayers = () =>
  Object.fromEntries([...registry].map(([owner, layers]) => [owner, layers.keys]));

/**
 * Keeps `layers` on the stack the viewer shows: once the stack is on the viewport its images are loaded
 * (their headers give the labelmaps their geometry), then every change of the layers is synced; a new
 * stack or viewport starts over; the layers go with the calling component. While the volume views show
 * the same series the layers are shown there too. Call during component setup.
 * `report` hears why something cannot be shown (null once everything is).
 */
export function keepMaskLayers(owner: string, viewerOf: () => ViewerState, layersOf: () => readonly MaskLayer[], report: (problem: string | null) => void): void {
  let shown: { stack: OpenSeries; viewportId: string; layers: MaskLayers } | null = null;
  /** The stack whose images are loaded, with its grid. */
  let ready = $state.raw<{ stack: OpenSeries; grid: StackGrid } | null>(null);
  let loading: OpenSeries | null = null;
  /** The volume views' viewports and the frames whose volume they show, while they show one. */
  let volumeViews = $state.raw<{ viewportIds: readonly string[]; frames: readonly StackFrame[] } | null>(null);
  /** The volume views the shown layers are on (set in step with `shown.layers.showOnVolumeViews`). */
  let onVolumeViews: readonly string[] | null = null;

  const release = () => {
    onVolumeViews = null;
    shown?.layers.destroy();
    if (shown && registry.get(owner) === shown.layers) registry.delete(owner);
    shown = null;
  };

  $effect(() =>
    viewerOf().mpr.addVolumeViewsListener({
      shown: (viewportIds, frames) => {
        volumeViews = { viewportIds, frames };
      },
      // At once, not in an effect: the views' volume goes right after this.
      released: () => {
        volumeViews = null;
        onVolumeViews = null;
        shown?.layers.hideFromVolumeViews();
      },
    }),
  );

  $effect(() => {
    const viewer = viewerOf();
    const stack = viewer.shownStack;
    const layers = layersOf();
    const loaded = ready;
    const views = volumeViews;
    untrack(() => {
      const viewportId = viewer.viewportId;
      if (shown && (shown.stack !== stack || shown.viewportId !== viewportId)) release();
      if (!stack || !viewportId) return;
      if (loaded?.stack !== stack) {
        // Nothing to show yet: the images are loaded when there is.
        if (layers.length && loading !== stack) load(stack);
        return;
      }
      if (!shown) {
        if (!layers.length) return;
        shown = { stack, viewportId, layers: new MaskLayers({ viewportId, referencedImageIds: stack.frames.map((f) => f.imageId) }, loaded.grid) };
        registry.set(owner, shown.layers);
      }
      const problems = shown.layers.sync(layers);
      // The volume views show the layers while they show this stack's series (the same frames).
      const wantedViews = views && views.frames === stack.frames ? views.viewportIds : null;
      if (wantedViews !== onVolumeViews) {
        if (wantedViews) shown.layers.showOnVolumeViews(wantedViews);
        else shown.layers.hideFromVolumeViews();
        onVolumeViews = wantedViews;
      }
      report(problems.length ? problems.join('; ') : null);
    });
  });

  $effect(() => release);

  function load(stack: OpenSeries): void {
    loading = stack;
    const imageIds = stack.frames.map((f) => f.imageId);
    void loadStackImages(imageIds).then((failures) => {
      if (loading !== stack) return;
      loading = null;
      if (failures.length) {
        const first = failures[0];
        report(`Masks cannot be drawn on this series: ${failures.length} of its images could not be loaded (first: slice ${first.index + 1}, ${stack.frames[first.index]?.instance.path ?? ''}: ${first.message})`);
        return;
      }
      const pixels = metaData.get('imagePixelModule', imageIds[0]) as { columns?: number; rows?: number } | undefined;
      if (!pixels?.columns || !pixels.rows) {
        report(`Masks cannot be drawn on this series: its first image (${stack.frames[0]?.instance.path ?? imageIds[0]}) names no rows and columns`);
        return;
      }
      ready = { stack, grid: [pixels.columns, pixels.rows, imageIds.length] };
    });
  }
}
