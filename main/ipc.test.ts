import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./test/fake-electron'));

import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { callNames } from '../core/contract/index';
import { EventBus } from '../core/transport/event-bus';
import { registerIpcHandlers } from './ipc';
import { BrowserWindow as FakeBrowserWindow, FakeFrame, FakeWebContents, ipcMain } from './test/fake-electron';
import { recordingHandlers } from './test/fake-handlers';

const setup = () => {
  const window = new FakeBrowserWindow({});
  const { handlers, calls } = recordingHandlers();
  const events = new EventBus();
  const unregister = registerIpcHandlers({ handlers, getWindow: () => window as unknown as BrowserWindow, events });
  const invoke = (channel: string, event: { sender: unknown; senderFrame: unknown }, args: unknown) => {
    const handler = ipcMain.handlers.get(channel);
    if (!handler) throw new Error(`no handler on ${channel}`);
    return handler(event as unknown as IpcMainInvokeEvent, args);
  };
  const ownEvent = () => ({ sender: window.webContents, senderFrame: window.webContents.mainFrame });
  return { window, calls, unregister, invoke, ownEvent, events };
};

describe('IPC handlers', () => {
  beforeEach(() => {
    ipcMain.handlers.clear();
  });

  it('registers exactly one handler per contract call, on api:<call>', () => {
    const { unregister } = setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(callNames.map((n) => `api:${n}`).sort());
    unregister();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('runs a call from our own window main frame', async () => {
    const { invoke, ownEvent, calls, window } = setup();
    const result = await invoke('api:app.info', ownEvent(), {});
    expect(result).toEqual({ ok: true, value: { handledBy: 'app.info' } });
    expect(calls).toEqual([{ name: 'app.info', args: {}, ctx: { transport: 'electron', caller: `window:${window.webContents.id}` } }]);
  });

  it('refuses a frame showing a foreign origin', async () => {
    const { invoke, window, calls } = setup();
    window.webContents.mainFrame.url = 'https://evil.example/';
    const result = await invoke('api:app.info', { sender: window.webContents, senderFrame: window.webContents.mainFrame }, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(calls).toHaveLength(0);
  });

  it('refuses a file:// page and a look-alike scheme host', async () => {
    const { invoke, window } = setup();
    for (const url of ['file:///app/dist/renderer/index.html', 'vesalius://evil/index.html', 'vesalius://user@app/index.html']) {
      window.webContents.mainFrame.url = url;
      const result = await invoke('api:app.info', { sender: window.webContents, senderFrame: window.webContents.mainFrame }, {});
      expect(result, url).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
  });

  it('refuses a subframe, even of our own origin', async () => {
    const { invoke, window, calls } = setup();
    const main = window.webContents.mainFrame;
    const subframe = new FakeFrame('vesalius://app/index.html', main.processId, main.routingId + 100, main);
    const result = await invoke('api:app.info', { sender: window.webContents, senderFrame: subframe }, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(calls).toHaveLength(0);
  });

  it('refuses other web contents and destroyed frames', async () => {
    const { invoke, window, calls } = setup();
    const other = new FakeWebContents();
    expect(await invoke('api:app.info', { sender: other, senderFrame: other.mainFrame }, {})).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await invoke('api:app.info', { sender: window.webContents, senderFrame: null }, {})).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    window.destroyed = true;
    expect(await invoke('api:app.info', { sender: window.webContents, senderFrame: window.webContents.mainFrame }, {})).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(calls).toHaveLength(0);
  });

  it('returns argument validation errors as values, without calling the handler', async () => {
    const { invoke, ownEvent, calls } = setup();
    const result = await invoke('api:dicom.startImport', ownEvent(), { paths: [] });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    const extra = await invoke('api:app.info', ownEvent(), { sneaky: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    expect(calls).toHaveLength(0);
  });

  it('sends every contract event to our window only, on event:<name>, until unregistered', () => {
    const { window, events, unregister } = setup();
    const other = new FakeBrowserWindow({});
    const payload = { jobId: 'job-1', kind: 'import' as const, state: 'running' as const, done: 2, total: 9, message: null };
    events.emit('jobs.progress', payload);
    events.emit('catalog.changed', {});
    expect(window.webContents.sent).toEqual([
      { channel: 'event:jobs.progress', args: [payload] },
      { channel: 'event:catalog.changed', args: [{}] },
    ]);
    expect(other.webContents.sent).toEqual([]);
    unregister();
    events.emit('catalog.changed', {});
    expect(window.webContents.sent).toHaveLength(2);
  });

  it('sends no event to a window showing another origin, or a destroyed one', () => {
    const { window, events } = setup();
    window.webContents.mainFrame.url = 'https://evil.example/';
    events.emit('catalog.changed', {});
    window.webContents.mainFrame.url = 'vesalius://app/index.html';
    window.webContents.destroyed = true;
    events.emit('catalog.changed', {});
    window.destroyed = true;
    events.emit('catalog.changed', {});
    expect(window.webContents.sent).toEqual([]);
  });
});
