import type { ImportJobStatus, ImportResult } from '../contract/dicom';
import { BackgroundJobs } from '../jobs/background-jobs';
import type { FileRegistry } from './file-registry';
import { indexPaths } from './indexer';

/** Finished jobs kept for status queries; the oldest are forgotten beyond this. */
const MAX_FINISHED_JOBS = 50;

/** Runs imports in the background: start returns at once, status is polled, cancel stops reading promptly. */
export class ImportJobs {
  private readonly jobs = new BackgroundJobs<ImportResult>({ label: 'import', maxFinished: MAX_FINISHED_JOBS });

  constructor(private readonly registry: FileRegistry) {}

  start(paths: string[]): string {
    return this.jobs.start((signal, onProgress) => indexPaths(paths, { registry: this.registry, signal, onProgress }));
  }

  /** A snapshot of the job (callers may keep it; it does not change under them). */
  status(jobId: string): ImportJobStatus | undefined {
    const snapshot = this.jobs.status(jobId);
    if (!snapshot) return undefined;
    const { done, ...rest } = snapshot;
    return { ...rest, processed: done };
  }

  /** Cancels a running job; false when the job is unknown or already finished. */
  cancel(jobId: string): boolean {
    return this.jobs.cancel(jobId);
  }
}
