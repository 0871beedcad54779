import type { Api, Result } from '../../../core/contract/index';
import { importSummarySchema, type ImportError, type ImportSummary } from '../../../core/contract/dicom';
import { followJob } from '../lib/jobs';

export type ImportPhase = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

/** One import at a time: its progress, what it did (counts and keys; the studies are in the catalog) and the files it rejected. */
export class ImportState {
  phase = $state<ImportPhase>('idle');
  processed = $state(0);
  total = $state(0);
  /** Why the import as a whole failed or was refused, for the panel. */
  message = $state<string | null>(null);
  label = $state('');
  summary = $state.raw<ImportSummary | null>(null);
  errors = $state.raw<ImportError[]>([]);
  fileCount = $state(0);

  readonly running = $derived(this.phase === 'running');

  private jobId: string | null = null;
  private generation = 0;

  constructor(
    private readonly api: Api,
    /** Called once per finished import with what it did (its studies are in the catalog now). */
    private readonly onImported: (summary: ImportSummary) => void,
  ) {}

  async run(label: string, start: () => Promise<Result<{ jobId: string }>>): Promise<void> {
    if (this.jobId) await this.cancel();
    const generation = ++this.generation;
    this.phase = 'running';
    this.label = label;
    this.processed = 0;
    this.total = 0;
    this.message = null;
    this.errors = [];
    this.summary = null;
    // Progress arrives as jobs.progress events (no polling); the final status is fetched once.
    const finished = await followJob(this.api, 'import', start, {
      onStarted: (jobId) => {
        if (generation === this.generation) this.jobId = jobId;
      },
      onProgress: ({ done, total }) => {
        if (generation !== this.generation) return;
        this.processed = done;
        this.total = total;
      },
    });
    if (generation !== this.generation) return;
    if (!finished.ok) {
      this.finish('failed', finished.error.message);
      return;
    }
    const { state, done: processed, total, result, message } = finished.value;
    this.processed = processed;
    this.total = total;
    // jobs.status types every kind's result alike: checked as the import summary it is.
    const summary = result ? importSummarySchema.safeParse(result) : null;
    if (summary?.success) {
      this.errors = summary.data.errors;
      this.fileCount = summary.data.fileCount;
      this.summary = summary.data;
      this.onImported(summary.data);
    }
    this.finish(state === 'running' ? 'failed' : state, message);
  }

  async cancel(): Promise<void> {
    const jobId = this.jobId;
    if (!jobId) return;
    const result = await this.api['jobs.cancel']({ jobId });
    if (!result.ok) this.message = result.error.message;
  }

  private finish(phase: Exclude<ImportPhase, 'idle' | 'running'>, message: string | null): void {
    this.phase = phase;
    this.message = message;
    this.jobId = null;
  }
}
