import type { Api, Result } from '../../../core/contract/index';
import type { JobKind, JobProgress, JobStatusOf } from '../../../core/contract/jobs';
import { err, ok } from '../../../core/contract/result';

/** A running job that has sent nothing for this long is checked once with jobs.status (the connection may be gone). */
export const SILENCE_CHECK_MS = 5000;

export interface FollowJobOptions {
  /** Every jobs.progress event of this job, in order (at most ~20 per second), the final one included. */
  onProgress?: (progress: JobProgress) => void;
  /** The job's id, as soon as the start call answers (for a cancel button). */
  onStarted?: (jobId: string) => void;
  silenceCheckMs?: number;
}

/**
 * Starts a job and follows it by its jobs.progress events, without polling; once it reports a final
 * state, fetches jobs.status once and resolves with it (state, counts, message, result). Listens before
 * starting, so no event is missed however fast the job is. Never throws: a failed start or status call
 * resolves to its error value.
 */
export async function followJob<K extends JobKind>(
  api: Api,
  kind: K,
  start: () => Promise<Result<{ jobId: string }>>,
  options: FollowJobOptions = {},
): Promise<Result<JobStatusOf<K>>> {
  let jobId: string | null = null;
  const early: JobProgress[] = [];
  let settle: (outcome: Result<null>) => void = () => {};
  const finished = new Promise<Result<null>>((resolve) => (settle = resolve));
  let silence: ReturnType<typeof setTimeout> | null = null;

  const checkWhenSilent = () => {
    if (silence) clearTimeout(silence);
    silence = setTimeout(async () => {
      if (jobId === null) return;
      const status = await api['jobs.status']({ jobId });
      if (!status.ok) settle(status);
      else if (status.value.state !== 'running') settle(ok(null));
      else checkWhenSilent();
    }, options.silenceCheckMs ?? SILENCE_CHECK_MS);
  };
  const handle = (progress: JobProgress) => {
    options.onProgress?.(progress);
    if (progress.state !== 'running') settle(ok(null));
    else checkWhenSilent();
  };
  const stop = api.on('jobs.progress', (progress) => {
    if (jobId === null) early.push(progress);
    else if (progress.jobId === jobId) handle(progress);
  });

  try {
    const started = await start();
    if (!started.ok) return started;
    jobId = started.value.jobId;
    options.onStarted?.(jobId);
    for (const progress of early.splice(0)) if (progress.jobId === jobId) handle(progress);
    checkWhenSilent();
    const outcome = await finished;
    if (!outcome.ok) return outcome;
  } finally {
    stop();
    if (silence) clearTimeout(silence);
  }
  const status = await api['jobs.status']({ jobId });
  if (!status.ok) return status;
  if (status.value.kind !== kind) return err('internal', `job ${jobId} is a ${status.value.kind} job, not ${kind}`);
  return ok(status.value as JobStatusOf<K>);
}
