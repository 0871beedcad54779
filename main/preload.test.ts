import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./test/fake-electron'));

import { callNames, eventNames } from '../core/contract/index';
import { contextBridge, ipcRenderer } from './test/fake-electron';

describe('preload', () => {
  it('exposes window.api with exactly one function per contract call plus on and getPathForFile', async () => {
    await import('./preload');
    expect([...contextBridge.exposed.keys()]).toEqual(['api']);
    const api = contextBridge.exposed.get('api') as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...callNames, 'getPathForFile', 'on'].sort());
    for (const key of Object.keys(api)) expect(typeof api[key], key).toBe('function');
    // No way to reach the raw IPC object through the bridge.
    expect(Object.values(api)).not.toContain(ipcRenderer);
  });

  it('invokes api:<call> with the arguments, and only that channel', async () => {
    await import('./preload');
    const api = contextBridge.exposed.get('api') as Record<string, (args: unknown) => Promise<unknown>>;
    ipcRenderer.invocations.length = 0;
    const answer = await api['jobs.status']({ jobId: 'job-1' });
    expect(answer).toEqual({ ok: true, value: { channel: 'api:jobs.status' } });
    expect(ipcRenderer.invocations).toEqual([{ channel: 'api:jobs.status', args: [{ jobId: 'job-1' }] }]);
  });

  it('gives the path of a dropped file through webUtils', async () => {
    await import('./preload');
    const api = contextBridge.exposed.get('api') as { getPathForFile: (file: { name: string }) => string };
    expect(api.getPathForFile({ name: 'slice1.dcm' })).toBe('/dropped/slice1.dcm');
  });

  it('on(event) hears that event\'s payload only (never the IPC event object) until unsubscribed', async () => {
    await import('./preload');
    const api = contextBridge.exposed.get('api') as { on: (name: string, listener: (...args: unknown[]) => void) => () => void };
    const heard: unknown[][] = [];
    const stop = api.on('jobs.progress', (...args) => heard.push(args));
    ipcRenderer.deliver('event:jobs.progress', { jobId: 'j', done: 1 });
    ipcRenderer.deliver('event:catalog.changed', {});
    expect(heard).toEqual([[{ jobId: 'j', done: 1 }]]);
    stop();
    ipcRenderer.deliver('event:jobs.progress', { jobId: 'j', done: 2 });
    expect(heard).toHaveLength(1);
    expect(ipcRenderer.listeners.has('event:jobs.progress')).toBe(false);
    // Every contract event can be heard.
    for (const name of eventNames) api.on(name, () => {})();
  });

  it('refuses to listen to anything that is not a contract event, or without a function', async () => {
    await import('./preload');
    const api = contextBridge.exposed.get('api') as { on: (name: unknown, listener: unknown) => () => void };
    for (const name of ['api:app.info', 'event:jobs.progress', 'ELECTRON_BROWSER_WINDOW', '__proto__', 'toString', 42, null, { toString: 1 }]) {
      expect(() => api.on(name, () => {}), String(typeof name === 'object' ? 'object' : name)).toThrow(/is not an event of the contract/);
    }
    expect(() => api.on('jobs.progress', 'not a function')).toThrow(/must be a function/);
    expect([...ipcRenderer.listeners.keys()]).toEqual([]);
  });
});
