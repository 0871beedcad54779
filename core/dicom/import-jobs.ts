import type { ImportJobStatus, ImportSummary } from '../contract/dicom';
import { JobRegistry } from '../jobs/job-registry';

/** Finished jobs kept for status queries; the oldest are forgotten beyond this. */
const MAX_FINISHED_JOBS = 50;

/** One import: reads the paths (into the catalog), reporting progress and stopping promptly on abort. */
export type RunImport = (
  paths: string[],
  opts: { signal: AbortSignal; onProgress: (processed: number, total: number) => void },
) => Promise<ImportSummary>;

/**
 * Runs imports as jobs of the registry (kind `import`): start returns at once, progress goes out as
 * jobs.progress events, status is a snapshot, cancel stops reading promptly.
 */
export class ImportJobs {
  constructor(
    private readonly runImport: RunImport,
    /** The app's one registry (so jobs.status sees imports); a private one where only this class is used. */
    private readonly jobs: JobRegistry = new JobRegistry(),
  ) {}

  start(paths: string[]): string {
    return this.jobs.start('import', (signal, onProgress) => this.runImport(paths, { signal, onProgress }), {
      label: 'import',
      keepFinished: MAX_FINISHED_JOBS,
    });
  }

  /** A snapshot of the job (callers may keep it; it does not change under them). */
  status(jobId: string): ImportJobStatus | undefined {
    const snapshot = this.jobs.statusOf('import', jobId);
    if (!snapshot) return undefined;
    const { done, kind: _kind, ...rest } = snapshot;
    return { ...rest, processed: done };
  }

  /** Cancels a running job; false when the job is unknown or already finished. */
  cancel(jobId: string): boolean {
    return this.jobs.cancel(jobId);
  }
}
