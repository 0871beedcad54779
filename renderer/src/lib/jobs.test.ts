import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../core/contract/index';
import type { JobProgress } from '../../../core/contract/jobs';
import { err, ok } from '../../../core/contract/result';
import { EventBus } from '../../../core/transport/event-bus';
import { followJob } from './jobs';

const progress = (jobId: string, state: JobProgress['state'], done: number): JobProgress => ({ jobId, kind: 'datasetScore', state, done, total: 3, message: null });

/** A page API over a bus: start emits what the test scripts, jobs.status answers from the last event. */
function fakeApi(script: (emit: (p: JobProgress) => void) => void) {
  const bus = new EventBus();
  const statusCalls: string[] = [];
  let last: JobProgress | null = null;
  bus.on('jobs.progress', (p) => (last = p));
  const api = {
    on: (name: 'jobs.progress', listener: (p: JobProgress) => void) => bus.on(name, listener),
    'jobs.status': async ({ jobId }: { jobId: string }) => {
      statusCalls.push(jobId);
      return last ? ok({ ...last, result: null }) : err('not_found', 'no job');
    },
  } as unknown as Api;
  const start = async () => {
    script((p) => bus.emit('jobs.progress', p));
    return ok({ jobId: 'job-1' });
  };
  return { api, start, statusCalls, emit: (p: JobProgress) => bus.emit('jobs.progress', p) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('followJob', () => {
  it('follows progress events (even those before start answered) and fetches the status once at the end', async () => {
    const { api, start, statusCalls } = fakeApi((emit) => {
      emit(progress('job-1', 'running', 0));
      emit(progress('other-job', 'running', 2));
      emit(progress('job-1', 'running', 2));
      emit(progress('job-1', 'done', 3));
    });
    const seen: number[] = [];
    const started: string[] = [];
    const result = await followJob(api, 'datasetScore', start, { onProgress: (p) => seen.push(p.done), onStarted: (id) => started.push(id) });
    expect(result).toEqual({ ok: true, value: { ...progress('job-1', 'done', 3), result: null } });
    expect(seen).toEqual([0, 2, 3]);
    expect(started).toEqual(['job-1']);
    expect(statusCalls).toEqual(['job-1']);
  });

  it('waits for the final event without polling', async () => {
    vi.useFakeTimers();
    const { api, start, statusCalls, emit } = fakeApi(() => {});
    let settled = false;
    const following = followJob(api, 'datasetScore', start, { silenceCheckMs: 5000 }).then((r) => {
      settled = true;
      return r;
    });
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 10; i++) {
      emit(progress('job-1', 'running', 1));
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(settled).toBe(false);
    expect(statusCalls).toEqual([]);
    emit(progress('job-1', 'cancelled', 1));
    expect(await following).toMatchObject({ ok: true, value: { state: 'cancelled' } });
    expect(statusCalls).toEqual(['job-1']);
  });

  it('checks a silent job once per silence and ends with the error when the connection is gone', async () => {
    vi.useFakeTimers();
    const { api, start, statusCalls } = fakeApi((emit) => emit(progress('job-1', 'running', 0)));
    const gone = err('io_error', 'jobs.status: connection closed');
    let calls = 0;
    const statusOf = api['jobs.status'];
    (api as unknown as Record<string, unknown>)['jobs.status'] = async (args: { jobId: string }) => (++calls === 1 ? statusOf(args) : gone);
    const following = followJob(api, 'datasetScore', start, { silenceCheckMs: 5000 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(statusCalls).toEqual(['job-1']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await following).toEqual(gone);
  });

  it('answers a failed start with its error, and a job of another kind with an error', async () => {
    const { api } = fakeApi(() => {});
    expect(await followJob(api, 'import', async () => err('forbidden', 'not granted'))).toEqual(err('forbidden', 'not granted'));
    const { api: other, start } = fakeApi((emit) => emit(progress('job-1', 'done', 3)));
    expect(await followJob(other, 'import', start)).toMatchObject({ ok: false, error: { code: 'internal', message: 'job job-1 is a datasetScore job, not import' } });
  });
});
