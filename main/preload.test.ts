import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./test/fake-electron'));

import { callNames } from '../core/contract/index';
import { contextBridge, ipcRenderer } from './test/fake-electron';

describe('preload', () => {
  it('exposes window.api with exactly one function per contract call plus getPathForFile', async () => {
    await import('./preload');
    expect([...contextBridge.exposed.keys()]).toEqual(['api']);
    const api = contextBridge.exposed.get('api') as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...callNames, 'getPathForFile'].sort());
    for (const key of Object.keys(api)) expect(typeof api[key], key).toBe('function');
    // No way to reach the raw IPC object through the bridge.
    expect(Object.values(api)).not.toContain(ipcRenderer);
  });

  it('invokes api:<call> with the arguments, and only that channel', async () => {
    await import('./preload');
    const api = contextBridge.exposed.get('api') as Record<string, (args: unknown) => Promise<unknown>>;
    ipcRenderer.invocations.length = 0;
    const answer = await api['dicom.importStatus']({ jobId: 'job-1' });
    expect(answer).toEqual({ ok: true, value: { channel: 'api:dicom.importStatus' } });
    expect(ipcRenderer.invocations).toEqual([{ channel: 'api:dicom.importStatus', args: [{ jobId: 'job-1' }] }]);
  });

  it('gives the path of a dropped file through webUtils', async () => {
    await import('./preload');
    const api = contextBridge.exposed.get('api') as { getPathForFile: (file: { name: string }) => string };
    expect(api.getPathForFile({ name: 'slice1.dcm' })).toBe('/dropped/slice1.dcm');
  });
});
