import { createContext } from 'svelte';
import type { Api } from '../../../core/contract/index';
import type { AppInfo } from '../../../core/contract/app';
import type { ImportSummary } from '../../../core/contract/dicom';
import type { Connection } from '../lib/api';
import { CatalogState } from './catalog.svelte';
import { ImportState } from './imports.svelte';
import { ViewerState } from './viewer.svelte';
import { DockLayout } from './docks.svelte';
import { SegmentationState } from '../segmentation/segmentationState.svelte';
import { SearchState } from '../search/searchState.svelte';

/** Everything the workspace shares, handed down through context. */
export class AppState {
  readonly api: Api;
  readonly getPathForFile: Connection['getPathForFile'];
  info = $state.raw<AppInfo | null>(null);
  /** Browser mode has no native picker: the UI shows a path field instead. */
  pickerSupported = $state(true);
  /** A message for the user that is not about one import (e.g. the picker failed). */
  notice = $state<string | null>(null);
  readonly imports: ImportState;
  /** The study list: the whole catalog, filtered, surviving restarts. */
  readonly catalog: CatalogState;
  readonly viewer = new ViewerState();
  /** Which right-edge dock is open (one at a time; it takes space from the viewport). */
  readonly docks = new DockLayout();
  /** The open series' drawable segmentations, the brush and undo/redo. */
  readonly segmentation: SegmentationState;
  /** Archive search: the study browser's search box and results, and the Find similar command. */
  readonly search: SearchState;

  constructor(connection: Connection) {
    this.api = connection.api;
    this.getPathForFile = connection.getPathForFile;
    this.catalog = new CatalogState(this.api);
    this.segmentation = new SegmentationState(this.api, this.viewer);
    this.search = new SearchState(this.api, this.catalog, this.viewer);
    this.imports = new ImportState(this.api, (summary) => void this.showImported(summary));
    this.pickerSupported = connection.getPathForFile !== null;
  }

  async loadInfo(): Promise<void> {
    const info = await this.api['app.info']({});
    if (info.ok) {
      this.info = info.value;
      this.pickerSupported = info.value.transport === 'electron';
    } else this.notice = `Could not reach the app: ${info.error.message}`;
  }

  openSample(sample: 'phantom' | 'real-ct'): Promise<void> {
    const label = sample === 'phantom' ? 'Sample study (phantom)' : 'Real CT sample';
    return this.imports.run(label, () => this.api['dicom.openSample']({ sample }));
  }

  /** Imports what the user gave (typed into the path field, dropped, or picked in a dialog), which grants it. */
  openPaths(paths: string[], how: 'path-field' | 'drop' | 'dialog' = 'path-field'): Promise<void> {
    const label = paths.length === 1 ? paths[0] : `${paths.length} items`;
    return this.imports.run(label, () => this.api['dicom.startImport']({ paths, how }));
  }

  /** Shows a study of the list: its series, and the first one with images in the viewer. */
  async openStudy(studyKey: string): Promise<void> {
    const chosen = this.viewer.choosingSeries();
    try {
      const opened = await this.catalog.select(studyKey);
      const study = opened?.patient.studies[0];
      const series = study?.series.find((s) => s.instances.length > 0);
      if (opened && study && series) this.viewer.select(opened.patient, study, series);
    } finally {
      chosen();
    }
  }

  async pickAndOpen(kind: 'files' | 'folder'): Promise<void> {
    this.notice = null;
    const picked = await this.api['app.pickPaths']({ kind });
    if (!picked.ok) {
      if (picked.error.code === 'unsupported') this.pickerSupported = false;
      else this.notice = picked.error.message;
      return;
    }
    if (picked.value.paths.length) await this.openPaths(picked.value.paths, 'dialog');
  }

  /** After an import: the list again, and its first series shown so the user sees an image without another click. */
  private async showImported(summary: ImportSummary): Promise<void> {
    const chosen = this.viewer.choosingSeries();
    try {
      const [studyKey] = summary.studyKeys;
      if (studyKey) this.catalog.selectedKey = studyKey;
      await this.catalog.refresh();
      const study = this.catalog.selected?.patient.studies[0];
      const series = study?.series.find((s) => summary.seriesKeys.includes(s.seriesInstanceUid) && s.instances.length > 0);
      if (this.catalog.selected && study && series) this.viewer.select(this.catalog.selected.patient, study, series);
      else this.viewer.clear();
    } finally {
      chosen();
    }
  }
}

export const [getAppState, setAppState] = createContext<AppState>();
