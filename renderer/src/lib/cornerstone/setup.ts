import { init as initCore, getShouldUseCPURendering, volumeLoader, cornerstoneStreamingImageVolumeLoader } from '@cornerstonejs/core';
import {
  init as initTools,
  addTool,
  WindowLevelTool,
  PanTool,
  ZoomTool,
  StackScrollTool,
  CrosshairsTool,
} from '@cornerstonejs/tools';
import { init as initDicomLoader } from '@cornerstonejs/dicom-image-loader';
import { registerCheckedLoader } from './checkedLoader';
import { absorbLoadFailureEchoes } from './loadFailureEcho';
import { measurementToolOf } from './measurementTools';
import { warmDecoder } from './warmDecoder';

/** The scheme of the MPR views' volume ids: cornerstone's streaming volume, whose slices load through the checked loader. */
export const VOLUME_LOADER_SCHEME = 'cornerstoneStreamingImageVolume';

let initialised: Promise<void> | null = null;

/**
 * cornerstone keeps its registries (loaders, tools, caches) per page, so it is set up once
 * per page; everything else the app holds lives in context objects.
 */
export function initCornerstone(): Promise<void> {
  initialised ??= (async () => {
    initCore();
    if (getShouldUseCPURendering()) {
      // The GPU path is the one we ship; say so loudly instead of silently degrading.
      console.warn('cornerstone: WebGL2 unavailable, using the CPU fallback renderer');
    }
    initDicomLoader({
      // The codec wasm files are emitted next to the bundle by Vite (they are `new URL(..., import.meta.url)` assets).
      maxWebWorkers: Math.max(1, Math.min(4, Math.floor((navigator.hardwareConcurrency || 2) / 2))),
    });
    // Every image is checked (and its window chosen) before a viewport or a thumbnail sees it.
    registerCheckedLoader();
    absorbLoadFailureEchoes();
    volumeLoader.registerVolumeLoader(VOLUME_LOADER_SCHEME, cornerstoneStreamingImageVolumeLoader as unknown as Parameters<typeof volumeLoader.registerVolumeLoader>[1]);
    // Start the decoder worker and compile its codec now, not on the first image the user opens.
    void warmDecoder();
    initTools();
    for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, CrosshairsTool, ...Object.values(measurementToolOf)]) addTool(tool);
  })();
  return initialised;
}
