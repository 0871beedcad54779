import type { Api, CallResult } from '../../../core/contract/index';
import { describeLoadError } from '../lib/errors';
import type { ReportState } from './report.svelte';

export type DicomExportResult = CallResult<'report.exportDicom'>;

/**
 * The Report dock's "Export DICOM": the report's Encapsulated PDF, SEGs and measurement SR written into a
 * folder the person typed (granted as their choice) or picked. Draft and signed reports alike; the PDF
 * inside carries the state as the PDF export prints it. Unsaved edits are saved first.
 */
export class DicomExportState {
  folder = $state('');
  busy = $state(false);
  result = $state.raw<DicomExportResult | null>(null);
  error = $state<string | null>(null);
  /** For which study the result or error was given: another study's are not shown. */
  private shownFor = $state<string | null>(null);

  constructor(
    private readonly api: Api,
    private readonly report: ReportState,
  ) {}

  /** The result and error of the study open now (a study opened since clears them). */
  get shown(): { result: DicomExportResult | null; error: string | null } {
    return this.shownFor === this.report.studyKey ? { result: this.result, error: this.error } : { result: null, error: null };
  }

  /** In Electron, a folder from the native picker; false where there is none (browser mode). */
  async pick(): Promise<boolean> {
    const picked = await this.guarded('app.pickPaths', () => this.api['app.pickPaths']({ kind: 'folder' }));
    if (!picked.ok) {
      if (picked.error.code === 'unsupported') return false;
      this.fail(this.report.studyKey, picked.error.message);
      return true;
    }
    if (picked.value.paths[0]) this.folder = picked.value.paths[0];
    return true;
  }

  async export(): Promise<void> {
    const key = this.report.studyKey;
    const folder = this.folder.trim();
    if (!key || this.busy) return;
    this.result = null;
    this.error = null;
    this.shownFor = key;
    if (!folder) return this.fail(key, 'type the folder to write the DICOM files into');
    this.busy = true;
    try {
      if (!(await this.report.flush())) return this.fail(key, 'the report has changes that are not saved; save them first (see above)');
      if (!this.report.head) return this.fail(key, 'write the report first: there is nothing saved to export');
      const granted = await this.guarded('catalog.grantPaths', () => this.api['catalog.grantPaths']({ paths: [folder], how: 'path-field' }));
      if (!granted.ok) return this.fail(key, granted.error.message);
      const written = await this.guarded('report.exportDicom', () => this.api['report.exportDicom']({ studyKey: key, outDir: folder }));
      if (this.report.studyKey !== key) return;
      if (written.ok) this.result = written.value;
      else this.error = written.error.message;
    } finally {
      this.busy = false;
    }
  }

  private fail(key: string | null, message: string): void {
    this.shownFor = key;
    this.error = message;
  }

  /** A transport failure (a lost connection) as an error answer naming the call. */
  private async guarded<T>(name: string, run: () => Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>) {
    try {
      return await run();
    } catch (e) {
      return { ok: false as const, error: { code: 'io_error', message: `${name}: ${describeLoadError(e)}` } };
    }
  }
}
