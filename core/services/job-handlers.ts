import type { jobCalls } from '../contract/jobs';
import { err, ok } from '../contract/result';
import type { JobRegistry } from '../jobs/job-registry';
import type { DomainHandlers } from './context';

/** jobs.status and jobs.cancel over the one registry every long task runs in. */
export function createJobHandlers(jobs: JobRegistry): DomainHandlers<typeof jobCalls> {
  return {
    'jobs.status': async ({ jobId }) => {
      const status = jobs.status(jobId);
      return status ? ok(status) : err('not_found', `jobs.status: no job '${jobId}' (unknown, or finished long ago and forgotten)`);
    },
    'jobs.cancel': async ({ jobId }) => ok({ cancelled: jobs.cancel(jobId) }),
  };
}
