import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./test/fake-electron'));
// The composition root is under test here, not the services: they get their own tests.
vi.mock('../core/services/app-service', async () => {
  const { recordingHandlers } = await import('./test/fake-handlers');
  return {
    createAppService: vi.fn((opts: unknown) => ({
      opts,
      handlers: recordingHandlers().handlers,
      registry: { resolve: () => undefined },
      dispose: vi.fn(),
    })),
  };
});

import { callNames } from '../core/contract/index';
import { createAppService } from '../core/services/app-service';
import { app, BrowserWindow, FakeWebContents, ipcMain, protocol } from './test/fake-electron';

describe('main.ts composition root', () => {
  it('registers the scheme before ready, then wires service, protocol, IPC and one hardened window', async () => {
    await import('./main');
    expect(protocol.privileged.map((s) => s.scheme)).toContain('vesalius');
    // The fake throws, like Electron, if this comes after ready.
    expect(app.sandboxEnabled).toBe(true);
    // Nothing that needs a ready app happens before ready.
    expect(BrowserWindow.instances).toHaveLength(0);
    expect(ipcMain.handlers.size).toBe(0);

    app.becomeReady();
    await vi.waitFor(() => expect(BrowserWindow.instances).toHaveLength(1));

    expect(protocol.handlers.has('vesalius')).toBe(true);
    expect(ipcMain.handlers.size).toBe(callNames.length);
    const [window] = BrowserWindow.instances;
    expect((window.options.webPreferences as { preload: string }).preload).toBe(
      path.join(app.getAppPath(), 'dist', 'main', 'preload.cjs'),
    );
    expect(window.webContents.loadedUrl).toBe('vesalius://app/index.html');
    // Not packaged here (the fake's app.isPackaged is false): DevTools stay available for development.
    expect(window.options.webPreferences).toMatchObject({ devTools: true, sandbox: true });

    const serviceOptions = vi.mocked(createAppService).mock.calls[0][0];
    expect(serviceOptions.transport).toBe('electron');
    expect(typeof serviceOptions.pickPaths).toBe('function');
    expect(serviceOptions.assistant?.modelsDir).toBe(path.join(app.getAppPath(), 'models'));
    // The inference worker is a utility process: with the RunAsNode fuse off, Electron cannot fork itself as Node.
    const client = serviceOptions.assistant?.createClient?.(path.join(app.getAppPath(), 'models', 'some-model'));
    expect(await client?.load()).toMatchObject({ ok: false, error: { message: expect.stringMatching(/utilityProcess\.fork/) } });
    expect(serviceOptions.cacheDir.startsWith(app.getPath('userData'))).toBe(true);
    // The data home: VESALIUS_HOME where set, else Electron's user data folder.
    expect(serviceOptions.home).toBe(process.env.VESALIUS_HOME ? path.resolve(process.env.VESALIUS_HOME) : app.getPath('userData'));
  });

  it('hardens every web contents created later', () => {
    const stray = new FakeWebContents();
    app.emit('web-contents-created', {}, stray);
    expect(stray.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    const event = { preventDefault: vi.fn() };
    stray.emit('will-navigate', event, 'https://example.com/');
    expect(event.preventDefault).toHaveBeenCalled();
    const frame = { preventDefault: vi.fn(), url: 'https://example.com/', isMainFrame: false };
    stray.emit('will-frame-navigate', frame);
    expect(frame.preventDefault).toHaveBeenCalled();
  });

  it('focuses the existing window when a second instance starts', () => {
    const [window] = BrowserWindow.instances;
    const focus = vi.spyOn(window, 'focus');
    app.emit('second-instance');
    expect(focus).toHaveBeenCalled();
  });

  it('shows why and quits, opening no window, when the data home or its databases cannot be opened', async () => {
    vi.resetModules();
    const { createAppService: freshCreate } = await import('../core/services/app-service');
    vi.mocked(freshCreate).mockImplementationOnce(() => {
      throw new Error('data home /ro/home: is read-only; set VESALIUS_HOME to a writable folder');
    });
    // After the reset, 'electron' resolves to a fresh copy of the fake: reach that copy through the mock.
    const fake = (await import('electron')) as unknown as typeof import('./test/fake-electron');
    const windowsBefore = fake.BrowserWindow.instances.length;
    const quitsBefore = fake.app.quitCalls;
    // Module state may outlive the reset: start this app as a new process would, before ready.
    fake.app.startOver();
    await import('./main');
    fake.app.becomeReady();
    await vi.waitFor(() => expect(fake.dialog.errorBoxes).toHaveLength(1));
    expect(fake.dialog.errorBoxes[0]).toEqual({ title: 'Vesalius cannot start', content: expect.stringContaining('/ro/home: is read-only') });
    expect(fake.app.quitCalls).toBe(quitsBefore + 1);
    expect(fake.BrowserWindow.instances.length).toBe(windowsBefore);
  });
});
