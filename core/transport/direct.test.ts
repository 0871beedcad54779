import { describe, expect, it } from 'vitest';
import { callNames } from '../contract/index';
import { recordingHandlers } from './test-handlers';
import { createDirectApi } from './direct';
import { EventBus } from './event-bus';

describe('direct transport', () => {
  it('runs calls through dispatch (validated, with the direct context) and hears events in process', async () => {
    const { handlers, calls } = recordingHandlers();
    const events = new EventBus();
    const api = createDirectApi(handlers, events, 'cli');
    expect(Object.keys(api).sort()).toEqual([...callNames, 'on'].sort());
    expect(await api['jobs.status']({ jobId: 'job-1' })).toEqual({ ok: true, value: { handledBy: 'jobs.status' } });
    expect(calls).toEqual([{ name: 'jobs.status', args: { jobId: 'job-1' }, ctx: { transport: 'direct', caller: 'cli' } }]);
    expect(await api['jobs.status']({ jobId: '../etc' })).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });

    const heard: number[] = [];
    const stop = api.on('jobs.progress', (p) => heard.push(p.done));
    events.emit('jobs.progress', { jobId: 'job-1', kind: 'datasetScore', state: 'running', done: 3, total: 5, message: null });
    stop();
    events.emit('jobs.progress', { jobId: 'job-1', kind: 'datasetScore', state: 'done', done: 5, total: 5, message: null });
    expect(heard).toEqual([3]);
    expect(() => api.on('nope' as 'catalog.changed', () => {})).toThrow(/not an event of the contract/);
  });
});
