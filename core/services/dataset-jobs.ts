import type { DatasetJobStatus, DatasetScore } from '../contract/masks';
import { BackgroundJobs } from '../jobs/background-jobs';
import type { EmptyRule } from '../metrics/types';
import { scoreDatasetFolders } from './mask-scoring';

/** Finished jobs kept for status queries; older ones are forgotten. */
const MAX_FINISHED_JOBS = 20;

/** Dataset scoring in the background: start returns at once, status is polled, cancel stops between cases. */
export class DatasetScoreJobs {
  private readonly jobs = new BackgroundJobs<DatasetScore>({
    label: 'dataset scoring',
    maxFinished: MAX_FINISHED_JOBS,
    // Done means every pair found was scored, whatever the last progress report said.
    finalTotal: (result) => result.cases.length,
  });

  start(truthDir: string, predDir: string, emptyRule: EmptyRule): string {
    return this.jobs.start((signal, onProgress) => scoreDatasetFolders(truthDir, predDir, emptyRule, { signal, onProgress }));
  }

  status(jobId: string): DatasetJobStatus | undefined {
    return this.jobs.status(jobId);
  }

  cancel(jobId: string): boolean {
    return this.jobs.cancel(jobId);
  }

  /** Stops every running job (the service is closing). */
  cancelAll(): void {
    this.jobs.cancelAll();
  }
}
