import { createContext } from 'svelte';
import type { Api } from '../../../core/contract/index';
import type { AppInfo } from '../../../core/contract/app';
import type { Patient } from '../../../core/contract/dicom';
import type { Connection } from '../lib/api';
import { ImportState } from './imports.svelte';
import { ViewerState } from './viewer.svelte';

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
  readonly viewer = new ViewerState();

  constructor(connection: Connection) {
    this.api = connection.api;
    this.getPathForFile = connection.getPathForFile;
    this.imports = new ImportState(this.api, (patients) => this.showFirstSeries(patients));
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

  openPaths(paths: string[]): Promise<void> {
    const label = paths.length === 1 ? paths[0] : `${paths.length} items`;
    return this.imports.run(label, () => this.api['dicom.startImport']({ paths }));
  }

  async pickAndOpen(kind: 'files' | 'folder'): Promise<void> {
    this.notice = null;
    const picked = await this.api['app.pickPaths']({ kind });
    if (!picked.ok) {
      if (picked.error.code === 'unsupported') this.pickerSupported = false;
      else this.notice = picked.error.message;
      return;
    }
    if (picked.value.paths.length) await this.openPaths(picked.value.paths);
  }

  /** After an import, show its first series so the user sees an image without another click. */
  private showFirstSeries(patients: Patient[]): void {
    const patient = patients[0];
    const study = patient?.studies[0];
    const series = study?.series.find((s) => s.instances.length > 0);
    if (patient && study && series) this.viewer.select(patient, study, series);
    else this.viewer.clear();
  }
}

export const [getAppState, setAppState] = createContext<AppState>();
