// The app's state as the commands table's target (commands run against this; tests use fakes).
import type { CommandTarget } from '../app/commands';
import type { PrimaryTool } from '../lib/cornerstone/stackController';
import type { Layout } from '../viewer/layout';
import type { ViewerState } from '../state/viewer.svelte';
import type { SegmentationState } from './segmentationState.svelte';
import type { SearchState } from '../search/searchState.svelte';

export function commandTarget(viewer: ViewerState, segmentation: SegmentationState, docks: { open: string | null }, search: SearchState): CommandTarget {
  return {
    get hasSeries() {
      return viewer.open !== null;
    },
    get primaryTool() {
      return viewer.primaryTool;
    },
    setPrimaryTool: (tool: PrimaryTool) => viewer.setPrimaryTool(tool),
    get layout() {
      return viewer.mpr.layout;
    },
    setLayout: (layout: Layout) => viewer.mpr.setLayout(layout),
    openDock: (id: string) => {
      docks.open = id;
    },
    segmentation,
    search,
  };
}
