import type { Api, CallResult } from '../../../core/contract/index';
import type { ScoreSource } from '../../../core/contract/scores';
import { describeLoadError } from '../lib/errors';
import { scoreFileIn, scoreFilePath, type ScoreFileFormat } from './scoreExportPath';

/** What the Scoring dock exports: the pair scored in "This series", or the dataset run's folders. */
export type ScoreExportSource = ScoreSource;

/**
 * "Export CSV" / "Export JSON" of the scores shown: the service scores the same inputs again and writes
 * them as `vesalius score --csv / --json` would, to the typed path (granted as the person's choice).
 */
export class ScoreExportState {
  path = $state('');
  busy = $state<ScoreFileFormat | null>(null);
  written = $state.raw<CallResult<'scores.export'> | null>(null);
  error = $state<string | null>(null);

  constructor(
    private readonly api: Api,
    /** The file name offered in a picked folder (no extension). */
    private readonly defaultName: string,
  ) {}

  /** In Electron, a folder from the native picker becomes the offered path; false where there is none. */
  async pick(): Promise<boolean> {
    try {
      const picked = await this.api['app.pickPaths']({ kind: 'folder' });
      if (!picked.ok) {
        if (picked.error.code === 'unsupported') return false;
        this.error = picked.error.message;
      } else if (picked.value.paths[0]) this.path = scoreFileIn(picked.value.paths[0], this.defaultName);
    } catch (e) {
      this.error = `app.pickPaths: ${describeLoadError(e)}`;
    }
    return true;
  }

  async export(source: ScoreExportSource | null, format: ScoreFileFormat): Promise<void> {
    if (this.busy) return;
    this.written = null;
    this.error = null;
    if (!source) {
      this.error = 'score something first: there are no scores shown to export';
      return;
    }
    if (!this.path.trim()) {
      this.error = 'type the path of the file to write';
      return;
    }
    const outPath = scoreFilePath(this.path, format);
    this.busy = format;
    try {
      const granted = await this.api['catalog.grantPaths']({ paths: [outPath], how: 'path-field' });
      if (!granted.ok) {
        this.error = granted.error.message;
        return;
      }
      const written = await this.api['scores.export']({ scores: source, format, outPath });
      if (written.ok) this.written = written.value;
      else this.error = written.error.message;
    } catch (e) {
      this.error = `scores.export: ${describeLoadError(e)}`;
    } finally {
      this.busy = null;
    }
  }
}
