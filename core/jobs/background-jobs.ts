import { randomBytes } from 'node:crypto';

export type JobState = 'running' | 'done' | 'cancelled' | 'failed';

/** One job as seen from outside: a fresh object on every change, so a kept snapshot never moves. */
export interface JobSnapshot<TResult> {
  jobId: string;
  state: JobState;
  /** Units of work finished so far of `total` (0 of 0 until the work knows its size). */
  done: number;
  total: number;
  result: TResult | null;
  message: string | null;
}

/** The work of one job: it reports progress and stops soon after the signal aborts. */
export type JobWork<TResult> = (signal: AbortSignal, onProgress: (done: number, total: number) => void) => Promise<TResult>;

export interface BackgroundJobsOptions<TResult> {
  /** Names the work in messages: "<label> failed: …", "<label> cancelled". */
  label: string;
  /** Finished jobs kept for status queries; the oldest are forgotten beyond this. */
  maxFinished: number;
  /** The final count of a finished job; without it the last reported total. */
  finalTotal?: (result: TResult) => number;
}

interface Job<TResult> {
  snapshot: JobSnapshot<TResult>;
  controller: AbortController;
}

/** Runs work in the background: start returns at once, status is polled, cancel aborts the work's signal. */
export class BackgroundJobs<TResult> {
  private readonly jobs = new Map<string, Job<TResult>>();

  constructor(private readonly options: BackgroundJobsOptions<TResult>) {}

  start(work: JobWork<TResult>): string {
    const jobId = randomBytes(12).toString('base64url');
    const job: Job<TResult> = {
      controller: new AbortController(),
      snapshot: { jobId, state: 'running', done: 0, total: 0, result: null, message: null },
    };
    this.jobs.set(jobId, job);
    // Once a job is cancelled, its work winding down must not overwrite that state.
    const running = () => job.snapshot.state === 'running';
    work(job.controller.signal, (done, total) => {
      if (running()) job.snapshot = { ...job.snapshot, done, total };
    }).then(
      (result) => {
        if (!running()) return;
        const total = this.options.finalTotal?.(result) ?? job.snapshot.total;
        job.snapshot = { ...job.snapshot, state: 'done', done: total, total, result };
        this.forgetOldJobs();
      },
      (e: unknown) => {
        if (!running()) return;
        const reason = e instanceof Error ? e.message : String(e);
        job.snapshot = { ...job.snapshot, state: 'failed', message: `${this.options.label} failed: ${reason}` };
        this.forgetOldJobs();
      },
    );
    return jobId;
  }

  status(jobId: string): JobSnapshot<TResult> | undefined {
    return this.jobs.get(jobId)?.snapshot;
  }

  /** Cancels a running job; false when the job is unknown or already finished. */
  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.snapshot.state !== 'running') return false;
    job.snapshot = { ...job.snapshot, state: 'cancelled', message: `${this.options.label} cancelled` };
    job.controller.abort();
    this.forgetOldJobs();
    return true;
  }

  /** Stops every running job (the owner is closing). */
  cancelAll(): void {
    for (const jobId of [...this.jobs.keys()]) this.cancel(jobId);
  }

  private forgetOldJobs(): void {
    const finished = [...this.jobs.entries()].filter(([, job]) => job.snapshot.state !== 'running');
    const excess = Math.max(0, finished.length - this.options.maxFinished);
    for (const [jobId] of finished.slice(0, excess)) this.jobs.delete(jobId);
  }
}
