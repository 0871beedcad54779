import type { JobRegistry } from '../jobs/job-registry';
import type { ReadMask } from '../masks/score-pairs';
import type { EmptyRule } from '../metrics/types';
import { sharedReaderSandbox } from '../sandbox/reader-sandbox';
import { scoreDatasetFolders } from './mask-scoring';

/** Finished dataset jobs kept for jobs.status; older ones are forgotten. */
const KEEP_FINISHED = 20;

/** Dataset scoring as a job of the registry: progress as jobs.progress events, cancel stops between cases. */
export class DatasetScoreJobs {
  constructor(
    private readonly jobs: JobRegistry,
    /** Mask files are read on a reader thread (core/sandbox): the service's own, else the shared one. */
    private readonly readMask: ReadMask = sharedReaderSandbox().readMask,
  ) {}

  start(truthDir: string, predDir: string, emptyRule: EmptyRule): string {
    return this.jobs.start('datasetScore', (signal, onProgress) => scoreDatasetFolders(truthDir, predDir, emptyRule, { signal, onProgress, readMask: this.readMask }), {
      label: 'dataset scoring',
      keepFinished: KEEP_FINISHED,
      // Done means every pair found was scored, whatever the last progress report said.
      finalTotal: (result) => result.cases.length,
    });
  }

  /** Stops every running dataset job (the service is closing). */
  cancelAll(): void {
    this.jobs.cancelAll('datasetScore');
  }
}
