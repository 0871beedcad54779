import { randomBytes } from 'node:crypto';
import type { DatasetJobStatus } from '../contract/masks';
import type { EmptyRule } from '../metrics/types';
import { scoreDatasetFolders } from './mask-scoring';

/** Finished jobs kept for status queries; older ones are forgotten. */
const MAX_FINISHED_JOBS = 20;

interface Job {
  status: DatasetJobStatus;
  controller: AbortController;
}

/** Dataset scoring in the background: start returns at once, status is polled, cancel stops between cases. */
export class DatasetScoreJobs {
  private readonly jobs = new Map<string, Job>();

  start(truthDir: string, predDir: string, emptyRule: EmptyRule): string {
    const jobId = randomBytes(12).toString('base64url');
    const job: Job = {
      controller: new AbortController(),
      status: { jobId, state: 'running', done: 0, total: 0, result: null, message: null },
    };
    this.jobs.set(jobId, job);
    const running = () => job.status.state === 'running';
    scoreDatasetFolders(truthDir, predDir, emptyRule, {
      signal: job.controller.signal,
      onProgress: (done, total) => {
        if (running()) job.status = { ...job.status, done, total };
      },
    }).then(
      (result) => {
        if (running()) job.status = { ...job.status, state: 'done', done: result.cases.length, total: result.cases.length, result };
        this.forgetOld();
      },
      (e: unknown) => {
        if (running()) job.status = { ...job.status, state: 'failed', message: `dataset scoring failed: ${e instanceof Error ? e.message : String(e)}` };
        this.forgetOld();
      },
    );
    return jobId;
  }

  status(jobId: string): DatasetJobStatus | undefined {
    return this.jobs.get(jobId)?.status;
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.status.state !== 'running') return false;
    job.status = { ...job.status, state: 'cancelled', message: 'dataset scoring cancelled' };
    job.controller.abort();
    return true;
  }

  /** Stops every running job (the service is closing). */
  cancelAll(): void {
    for (const jobId of this.jobs.keys()) this.cancel(jobId);
  }

  private forgetOld(): void {
    const finished = [...this.jobs.entries()].filter(([, job]) => job.status.state !== 'running');
    for (const [jobId] of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_JOBS))) this.jobs.delete(jobId);
  }
}
