import { randomBytes } from 'node:crypto';
import type { ImportJobStatus } from '../contract/dicom';
import type { FileRegistry } from './file-registry';
import { indexPaths } from './indexer';

interface Job {
  status: ImportJobStatus;
  controller: AbortController;
}

/** Finished jobs kept for status queries; the oldest are forgotten beyond this. */
const MAX_FINISHED_JOBS = 50;

/** Runs imports in the background: start returns at once, status is polled, cancel stops reading promptly. */
export class ImportJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly registry: FileRegistry) {}

  start(paths: string[]): string {
    const jobId = randomBytes(12).toString('base64url');
    const controller = new AbortController();
    const job: Job = {
      controller,
      status: { jobId, state: 'running', processed: 0, total: 0, result: null, message: null },
    };
    this.jobs.set(jobId, job);
    indexPaths(paths, {
      registry: this.registry,
      signal: controller.signal,
      onProgress: (processed, total) => {
        if (job.status.state === 'running') job.status = { ...job.status, processed, total };
      },
    }).then(
      (result) => {
        if (job.status.state !== 'running') return;
        job.status = { ...job.status, state: 'done', processed: job.status.total, result };
        this.forgetOldJobs();
      },
      (e: unknown) => {
        if (job.status.state !== 'running') return;
        const message = e instanceof Error ? e.message : String(e);
        job.status = { ...job.status, state: 'failed', message: `import failed: ${message}` };
        this.forgetOldJobs();
      },
    );
    return jobId;
  }

  /** A snapshot of the job (callers may keep it; it does not change under them). */
  status(jobId: string): ImportJobStatus | undefined {
    return this.jobs.get(jobId)?.status;
  }

  /** Cancels a running job; false when the job is unknown or already finished. */
  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.status.state !== 'running') return false;
    job.status = { ...job.status, state: 'cancelled', message: 'import cancelled' };
    job.controller.abort();
    this.forgetOldJobs();
    return true;
  }

  private forgetOldJobs(): void {
    const finished = [...this.jobs.entries()].filter(([, job]) => job.status.state !== 'running');
    for (const [jobId] of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_JOBS))) this.jobs.delete(jobId);
  }
}
