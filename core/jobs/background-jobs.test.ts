import { describe, expect, it } from 'vitest';
import { BackgroundJobs } from './background-jobs';

/** Work that reports progress and then waits until the test settles it (or the signal aborts). */
function controllableWork() {
  let settle: { resolve: (value: number) => void; reject: (e: Error) => void } | undefined;
  let report: ((done: number, total: number) => void) | undefined;
  let aborted = false;
  const work = (signal: AbortSignal, onProgress: (done: number, total: number) => void) =>
    new Promise<number>((resolve, reject) => {
      settle = { resolve, reject };
      report = onProgress;
      signal.addEventListener('abort', () => {
        aborted = true;
        reject(new Error('aborted'));
      });
    });
  return {
    work,
    progress: (done: number, total: number) => report?.(done, total),
    resolve: (value: number) => settle?.resolve(value),
    reject: (e: Error) => settle?.reject(e),
    wasAborted: () => aborted,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('BackgroundJobs', () => {
  it('reports progress, then the result with the last total as the final count', async () => {
    const jobs = new BackgroundJobs<number>({ label: 'counting', maxFinished: 5 });
    const work = controllableWork();
    const jobId = jobs.start(work.work);
    expect(jobs.status(jobId)).toEqual({ jobId, state: 'running', done: 0, total: 0, result: null, message: null });
    work.progress(3, 7);
    const midway = jobs.status(jobId);
    expect(midway).toMatchObject({ state: 'running', done: 3, total: 7 });
    work.resolve(42);
    await tick();
    expect(jobs.status(jobId)).toEqual({ jobId, state: 'done', done: 7, total: 7, result: 42, message: null });
    // A snapshot taken earlier does not change under its holder.
    expect(midway).toMatchObject({ state: 'running', done: 3 });
  });

  it('uses finalTotal for the count of a finished job', async () => {
    const jobs = new BackgroundJobs<number>({ label: 'counting', maxFinished: 5, finalTotal: (result) => result });
    const work = controllableWork();
    const jobId = jobs.start(work.work);
    work.progress(1, 9);
    work.resolve(4);
    await tick();
    expect(jobs.status(jobId)).toMatchObject({ state: 'done', done: 4, total: 4, result: 4 });
  });

  it('names the work and the reason when it fails', async () => {
    const jobs = new BackgroundJobs<number>({ label: 'counting', maxFinished: 5 });
    const work = controllableWork();
    const jobId = jobs.start(work.work);
    work.reject(new Error('disk gone'));
    await tick();
    expect(jobs.status(jobId)).toMatchObject({ state: 'failed', result: null, message: 'counting failed: disk gone' });
    expect(jobs.cancel(jobId)).toBe(false);
  });

  it('cancels by aborting the signal, and the failing work does not overwrite the cancelled state', async () => {
    const jobs = new BackgroundJobs<number>({ label: 'counting', maxFinished: 5 });
    const work = controllableWork();
    const jobId = jobs.start(work.work);
    expect(jobs.cancel(jobId)).toBe(true);
    expect(work.wasAborted()).toBe(true);
    await tick();
    expect(jobs.status(jobId)).toMatchObject({ state: 'cancelled', message: 'counting cancelled' });
    expect(jobs.cancel(jobId)).toBe(false);
    expect(jobs.cancel('unknown')).toBe(false);
    expect(jobs.status('unknown')).toBeUndefined();
  });

  it('cancelAll stops every running job and leaves finished ones alone', async () => {
    const jobs = new BackgroundJobs<number>({ label: 'counting', maxFinished: 5 });
    const finished = controllableWork();
    const finishedId = jobs.start(finished.work);
    finished.resolve(1);
    await tick();
    const runningIds = [controllableWork(), controllableWork()].map((work) => jobs.start(work.work));
    jobs.cancelAll();
    expect(runningIds.map((jobId) => jobs.status(jobId)?.state)).toEqual(['cancelled', 'cancelled']);
    expect(jobs.status(finishedId)?.state).toBe('done');
  });

  it('forgets the oldest finished jobs beyond maxFinished, never a running one', async () => {
    const jobs = new BackgroundJobs<number>({ label: 'counting', maxFinished: 2 });
    const running = controllableWork();
    const runningId = jobs.start(running.work);
    const finishedIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const work = controllableWork();
      finishedIds.push(jobs.start(work.work));
      work.resolve(i);
      await tick();
    }
    expect(finishedIds.map((jobId) => jobs.status(jobId)?.result ?? null)).toEqual([null, null, 2, 3]);
    expect(jobs.status(runningId)?.state).toBe('running');
  });
});
