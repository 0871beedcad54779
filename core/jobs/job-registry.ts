import { randomBytes } from 'node:crypto';
import type { JobKind, JobProgress, JobResults, JobStatus, JobStatusOf } from '../contract/jobs';
import type { Emit } from '../transport/event-bus';

/** The work of one job: it reports progress and stops soon after the signal aborts. */
export type JobWork<TResult> = (signal: AbortSignal, onProgress: (done: number, total: number) => void) => Promise<TResult>;

export interface StartOptions<K extends JobKind> {
  /** Names the work in messages: "<label> failed: …", "<label> cancelled". */
  label: string;
  /** Finished jobs of this kind kept for status queries; the oldest are forgotten beyond this (default 50). */
  keepFinished?: number;
  /** The final count of a finished job; without it the last reported total. */
  finalTotal?: (result: JobResults[K]) => number;
}

export interface JobRegistryOptions {
  /** Where `jobs.progress` goes (the app's EventBus); without it the registry only answers status queries. */
  emit?: Emit;
  /** Least time between two progress events of one job (default 50 ms: at most ~20 per second). */
  progressIntervalMs?: number;
  /** Told when a progress event could not be delivered (a listener threw); the job itself goes on. */
  onEmitError?: (error: unknown, progress: JobProgress) => void;
}

interface Job {
  snapshot: JobStatus;
  controller: AbortController;
  keepFinished: number;
  label: string;
  lastEmitMs: number;
  /** A progress event held back by the throttle, sent when the interval has passed. */
  trailing: ReturnType<typeof setTimeout> | null;
}

const DEFAULT_KEEP_FINISHED = 50;
const DEFAULT_PROGRESS_INTERVAL_MS = 50;

const progressOf = ({ jobId, kind, state, done, total, message }: JobStatus): JobProgress => ({ jobId, kind, state, done, total, message });

const reportToProcess = (error: unknown, progress: JobProgress): void => {
  const reason = error instanceof Error ? error.message : String(error);
  process.emitWarning(`jobs.progress for ${progress.kind} job ${progress.jobId} (${progress.state}) was not delivered: ${reason}`);
};

/**
 * The one job registry: every long task (imports, dataset scoring, …) runs here. start returns at once;
 * each change is announced as a `jobs.progress` event (throttled while running, the final state always and
 * at once); `jobs.status` reads a snapshot, `jobs.cancel` aborts the work's signal.
 */
export class JobRegistry {
  private readonly jobs = new Map<string, Job>();
  private readonly intervalMs: number;

  constructor(private readonly options: JobRegistryOptions = {}) {
    this.intervalMs = options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
  }

  start<K extends JobKind>(kind: K, work: JobWork<JobResults[K]>, options: StartOptions<K>): string {
    const jobId = randomBytes(12).toString('base64url');
    const job: Job = {
      controller: new AbortController(),
      snapshot: { jobId, kind, state: 'running', done: 0, total: 0, result: null, message: null } as JobStatusOf<K>,
      keepFinished: options.keepFinished ?? DEFAULT_KEEP_FINISHED,
      label: options.label,
      lastEmitMs: -Infinity,
      trailing: null,
    };
    this.jobs.set(jobId, job);
    this.announce(job);
    // Once a job is cancelled, its work winding down must not overwrite that state.
    const running = () => job.snapshot.state === 'running';
    let started: Promise<JobResults[K]>;
    try {
      started = work(job.controller.signal, (done, total) => {
        if (!running()) return;
        job.snapshot = { ...job.snapshot, done, total };
        this.announce(job);
      });
    } catch (e) {
      started = Promise.reject(e);
    }
    started.then(
      (result) => {
        if (!running()) return;
        const total = options.finalTotal?.(result) ?? job.snapshot.total;
        this.finish(job, { ...job.snapshot, state: 'done', done: total, total, result } as JobStatus);
      },
      (e: unknown) => {
        if (!running()) return;
        const reason = e instanceof Error ? e.message : String(e);
        this.finish(job, { ...job.snapshot, state: 'failed', message: `${job.label} failed: ${reason}` });
      },
    );
    return jobId;
  }

  /** A snapshot of the job (a fresh object on every change, so a kept one never moves under its holder). */
  status(jobId: string): JobStatus | undefined {
    return this.jobs.get(jobId)?.snapshot;
  }

  /** The job's snapshot when it is of this kind. */
  statusOf<K extends JobKind>(kind: K, jobId: string): JobStatusOf<K> | undefined {
    const snapshot = this.status(jobId);
    return snapshot?.kind === kind ? (snapshot as JobStatusOf<K>) : undefined;
  }

  /** Cancels a running job; false when the job is unknown or already finished. */
  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.snapshot.state !== 'running') return false;
    this.finish(job, { ...job.snapshot, state: 'cancelled', message: `${job.label} cancelled` });
    job.controller.abort();
    return true;
  }

  /** Stops every running job, or those of one kind (the owner is closing). */
  cancelAll(kind?: JobKind): void {
    for (const [jobId, job] of [...this.jobs]) if (kind === undefined || job.snapshot.kind === kind) this.cancel(jobId);
  }

  private finish(job: Job, snapshot: JobStatus): void {
    job.snapshot = snapshot;
    this.announce(job);
    this.forgetOldJobs(job.snapshot.kind, job.keepFinished);
  }

  /** Sends the job's state now, or once the throttle interval has passed (final states never wait). */
  private announce(job: Job): void {
    if (!this.options.emit) return;
    const final = job.snapshot.state !== 'running';
    const waitMs = job.lastEmitMs + this.intervalMs - performance.now();
    if (final || waitMs <= 0) {
      if (job.trailing) clearTimeout(job.trailing);
      job.trailing = null;
      this.send(job);
      return;
    }
    if (job.trailing) return; // Already due; it sends whatever the snapshot is by then.
    job.trailing = setTimeout(() => {
      job.trailing = null;
      this.send(job);
    }, waitMs);
    job.trailing.unref?.();
  }

  private send(job: Job): void {
    job.lastEmitMs = performance.now();
    const progress = progressOf(job.snapshot);
    try {
      this.options.emit?.('jobs.progress', progress);
    } catch (e) {
      (this.options.onEmitError ?? reportToProcess)(e, progress);
    }
  }

  private forgetOldJobs(kind: JobKind, keep: number): void {
    const finished = [...this.jobs.entries()].filter(([, job]) => job.snapshot.kind === kind && job.snapshot.state !== 'running');
    for (const [jobId] of finished.slice(0, Math.max(0, finished.length - keep))) this.jobs.delete(jobId);
  }
}
