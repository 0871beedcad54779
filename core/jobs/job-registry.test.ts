import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobProgress } from '../contract/jobs';
import type { DatasetScore } from '../contract/masks';
import { EventBus } from '../transport/event-bus';
import { JobRegistry } from './job-registry';

/** A dataset score whose case count is n (the registry only stores it; finalTotal may count it). */
const scoreOf = (n: number): DatasetScore => ({
  emptyRule: 'one',
  cases: Array.from({ length: n }, (_, i) => ({ name: `case-${i}`, truthPath: 't', predPath: 'p', miou: 1, meanDice: 1, empty: false, error: null })),
  unpairedTruth: [],
  unpairedPred: [],
  summary: { caseCount: n, scoredCaseCount: n, mean: 1, median: 1, min: 1, max: 1 },
});

/** Work that reports progress and then waits until the test settles it (or the signal aborts). */
function controllableWork() {
  let settle: { resolve: (value: DatasetScore) => void; reject: (e: Error) => void } | undefined;
  let report: ((done: number, total: number) => void) | undefined;
  let aborted = false;
  const work = (signal: AbortSignal, onProgress: (done: number, total: number) => void) =>
    new Promise<DatasetScore>((resolve, reject) => {
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
    resolve: (value: DatasetScore) => settle?.resolve(value),
    reject: (e: Error) => settle?.reject(e),
    wasAborted: () => aborted,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const label = 'counting';

/** A registry on a real EventBus, recording every jobs.progress event. */
function recorded(options: { progressIntervalMs?: number } = {}) {
  const bus = new EventBus();
  const events: JobProgress[] = [];
  bus.on('jobs.progress', (p) => events.push(p));
  return { jobs: new JobRegistry({ emit: bus.emit, ...options }), events };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('JobRegistry', () => {
  it('reports progress, then the result with the last total as the final count', async () => {
    const { jobs } = recorded();
    const work = controllableWork();
    const jobId = jobs.start('datasetScore', work.work, { label });
    expect(jobId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(jobs.status(jobId)).toEqual({ jobId, kind: 'datasetScore', state: 'running', done: 0, total: 0, result: null, message: null });
    work.progress(3, 7);
    const midway = jobs.status(jobId);
    expect(midway).toMatchObject({ state: 'running', done: 3, total: 7 });
    work.resolve(scoreOf(2));
    await tick();
    expect(jobs.status(jobId)).toEqual({ jobId, kind: 'datasetScore', state: 'done', done: 7, total: 7, result: scoreOf(2), message: null });
    // A snapshot taken earlier does not change under its holder.
    expect(midway).toMatchObject({ state: 'running', done: 3 });
  });

  it('uses finalTotal for the count of a finished job', async () => {
    const { jobs } = recorded();
    const work = controllableWork();
    const jobId = jobs.start('datasetScore', work.work, { label, finalTotal: (result) => result.cases.length });
    work.progress(1, 9);
    work.resolve(scoreOf(4));
    await tick();
    expect(jobs.status(jobId)).toMatchObject({ state: 'done', done: 4, total: 4 });
  });

  it('names the work and the reason when it fails, also when the work throws before its first await', async () => {
    const { jobs, events } = recorded();
    const work = controllableWork();
    const jobId = jobs.start('datasetScore', work.work, { label });
    work.reject(new Error('disk gone'));
    const throwing = jobs.start(
      'datasetScore',
      () => {
        throw new Error('no such folder');
      },
      { label },
    );
    await tick();
    expect(jobs.status(jobId)).toMatchObject({ state: 'failed', result: null, message: 'counting failed: disk gone' });
    expect(jobs.status(throwing)).toMatchObject({ state: 'failed', message: 'counting failed: no such folder' });
    expect(events.filter((e) => e.jobId === jobId).at(-1)).toMatchObject({ state: 'failed', message: 'counting failed: disk gone' });
    expect(jobs.cancel(jobId)).toBe(false);
  });

  it('cancels by aborting the signal, and the failing work does not overwrite the cancelled state', async () => {
    const { jobs, events } = recorded();
    const work = controllableWork();
    const jobId = jobs.start('datasetScore', work.work, { label });
    expect(jobs.cancel(jobId)).toBe(true);
    expect(work.wasAborted()).toBe(true);
    await tick();
    expect(jobs.status(jobId)).toMatchObject({ state: 'cancelled', message: 'counting cancelled' });
    expect(events.map((e) => e.state)).toEqual(['running', 'cancelled']);
    expect(jobs.cancel(jobId)).toBe(false);
    expect(jobs.cancel('unknown')).toBe(false);
    expect(jobs.status('unknown')).toBeUndefined();
  });

  it('cancelAll stops every running job (or those of one kind) and leaves finished ones alone', async () => {
    const { jobs } = recorded();
    const finished = controllableWork();
    const finishedId = jobs.start('datasetScore', finished.work, { label });
    finished.resolve(scoreOf(1));
    await tick();
    const runningIds = [controllableWork(), controllableWork()].map((work) => jobs.start('datasetScore', work.work, { label }));
    jobs.cancelAll('import');
    expect(runningIds.map((jobId) => jobs.status(jobId)?.state)).toEqual(['running', 'running']);
    jobs.cancelAll();
    expect(runningIds.map((jobId) => jobs.status(jobId)?.state)).toEqual(['cancelled', 'cancelled']);
    expect(jobs.status(finishedId)?.state).toBe('done');
  });

  it('forgets the oldest finished jobs of a kind beyond keepFinished, never a running one', async () => {
    const { jobs } = recorded();
    const running = controllableWork();
    const runningId = jobs.start('datasetScore', running.work, { label, keepFinished: 2 });
    const finishedIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const work = controllableWork();
      finishedIds.push(jobs.start('datasetScore', work.work, { label, keepFinished: 2 }));
      work.resolve(scoreOf(i));
      await tick();
    }
    expect(finishedIds.map((jobId) => jobs.statusOf('datasetScore', jobId)?.result?.cases.length ?? null)).toEqual([null, null, 2, 3]);
    expect(jobs.status(runningId)?.state).toBe('running');
  });

  it('answers statusOf only for the job kind asked', () => {
    const { jobs } = recorded();
    const jobId = jobs.start('datasetScore', controllableWork().work, { label });
    expect(jobs.statusOf('datasetScore', jobId)?.jobId).toBe(jobId);
    expect(jobs.statusOf('import', jobId)).toBeUndefined();
    jobs.cancelAll();
  });
});

describe('jobs.progress events', () => {
  it('throttles a busy job to one event per interval with the latest count, and sends the final state at once', async () => {
    vi.useFakeTimers();
    const { jobs, events } = recorded({ progressIntervalMs: 50 });
    const work = controllableWork();
    const jobId = jobs.start('datasetScore', work.work, { label });
    expect(events).toEqual([{ jobId, kind: 'datasetScore', state: 'running', done: 0, total: 0, message: null }]);
    // 1,000 reports within one second: about 20 events, not 1,000.
    for (let i = 1; i <= 1000; i++) {
      work.progress(i, 1000);
      vi.advanceTimersByTime(1);
    }
    const running = events.filter((e) => e.state === 'running');
    expect(running.length).toBeGreaterThanOrEqual(18);
    expect(running.length).toBeLessThanOrEqual(22);
    // Counts only move forward and none is sent twice in a row.
    for (let i = 1; i < running.length; i++) expect(running[i].done).toBeGreaterThan(running[i - 1].done);
    work.progress(1000, 1000);
    work.resolve(scoreOf(1000));
    await vi.advanceTimersByTimeAsync(0);
    expect(events.at(-1)).toEqual({ jobId, kind: 'datasetScore', state: 'done', done: 1000, total: 1000, message: null });
    // No held-back progress event arrives after the final one.
    const count = events.length;
    await vi.advanceTimersByTimeAsync(500);
    expect(events.length).toBe(count);
  });

  it('sends a held-back progress event once the interval has passed, with the latest count', () => {
    vi.useFakeTimers();
    const { jobs, events } = recorded({ progressIntervalMs: 50 });
    const work = controllableWork();
    jobs.start('datasetScore', work.work, { label });
    work.progress(1, 10);
    work.progress(2, 10);
    expect(events).toHaveLength(1);
    vi.advanceTimersByTime(50);
    expect(events.map((e) => e.done)).toEqual([0, 2]);
    jobs.cancelAll();
  });

  it('keeps a job running when a listener throws, and reports the undelivered event', async () => {
    const bus = new EventBus();
    const undelivered: string[] = [];
    bus.on('jobs.progress', () => {
      throw new Error('listener broke');
    });
    const jobs = new JobRegistry({ emit: bus.emit, onEmitError: (e, p) => undelivered.push(`${p.state}: ${(e as Error).message}`) });
    const work = controllableWork();
    const jobId = jobs.start('datasetScore', work.work, { label });
    work.resolve(scoreOf(1));
    await tick();
    expect(jobs.status(jobId)?.state).toBe('done');
    expect(undelivered).toEqual(['running: listener broke', 'done: listener broke']);
  });
});
