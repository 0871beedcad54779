import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./test/fake-electron'));

import { BrowserWindow as FakeBrowserWindow, type FakeSession } from './test/fake-electron';
import { createMainWindow, hardenWebContents, secureWebPreferences } from './window';
import type { WebContents } from 'electron';
import { FakeWebContents } from './test/fake-electron';

const newWindow = (packaged = false) => {
  const window = createMainWindow({ preloadPath: '/app/dist/main/preload.cjs', packaged }) as unknown as FakeBrowserWindow;
  return { window, contents: window.webContents, session: window.webContents.session as FakeSession };
};

const preventable = () => ({ preventDefault: vi.fn() });

describe('window hardening', () => {
  beforeEach(() => {
    FakeBrowserWindow.instances.length = 0;
  });

  it('creates the window with the hardened webPreferences and our preload', () => {
    const { window } = newWindow();
    expect(window.options.webPreferences).toEqual(secureWebPreferences('/app/dist/main/preload.cjs', { packaged: false }));
    expect(window.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/dist/main/preload.cjs',
    });
  });

  it('allows DevTools in development only: packaged, webPreferences forbid them and any that open are closed', () => {
    expect(newWindow(false).window.options.webPreferences).toMatchObject({ devTools: true });
    const dev = newWindow(false).contents;
    dev.openDevTools();
    expect(dev.isDevToolsOpened()).toBe(true);

    const { window, contents } = newWindow(true);
    expect(window.options.webPreferences).toMatchObject({ devTools: false, sandbox: true, contextIsolation: true });
    contents.openDevTools();
    expect(contents.isDevToolsOpened()).toBe(false);
  });

  it('loads the app from its own scheme', () => {
    const { contents } = newWindow();
    expect(contents.loadedUrl).toBe('vesalius://app/index.html');
  });

  it('refuses navigation, redirects, webviews and new windows', () => {
    const { contents } = newWindow();
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = preventable();
      contents.emit(event, e, 'https://example.com/');
      expect(e.preventDefault, event).toHaveBeenCalled();
    }
    // Any frame, main or sub, even to our own scheme: the page never navigates.
    for (const [url, isMainFrame] of [
      ['https://example.com/', false],
      ['file:///etc/passwd', false],
      ['vesalius://app/index.html', false],
      ['https://example.com/', true],
    ] as const) {
      const e = { ...preventable(), url, isMainFrame };
      contents.emit('will-frame-navigate', e);
      expect(e.preventDefault, `${url} (main frame: ${isMainFrame})`).toHaveBeenCalled();
    }
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'vesalius://app/index.html' })).toEqual({ action: 'deny' });
  });

  it('hardens any other web contents the same way', () => {
    const other = new FakeWebContents();
    hardenWebContents(other as unknown as WebContents, { packaged: true });
    const e = preventable();
    other.emit('will-navigate', e, 'file:///etc/passwd');
    expect(e.preventDefault).toHaveBeenCalled();
    const frame = { ...preventable(), url: 'https://example.com/', isMainFrame: false };
    other.emit('will-frame-navigate', frame);
    expect(frame.preventDefault).toHaveBeenCalled();
    expect(other.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    other.openDevTools();
    expect(other.isDevToolsOpened()).toBe(false);
  });

  it('denies every permission request and check', () => {
    const { session } = newWindow();
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal']) {
      const callback = vi.fn();
      session.permissionRequestHandler?.({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(session.permissionCheckHandler?.({}, permission)).toBe(false);
    }
  });

  it('lets only our own scheme and in-memory URLs through the request blocker', () => {
    const { session } = newWindow();
    const cancelled = (url: string): boolean | undefined => {
      let answer: { cancel?: boolean } | undefined;
      session.webRequest.beforeRequest?.({ url }, (response) => {
        answer = response;
      });
      return answer?.cancel;
    };
    expect(cancelled('vesalius://app/index.html')).toBe(false);
    expect(cancelled('vesalius://app/dicom/abc')).toBe(false);
    expect(cancelled('blob:vesalius://app/1234')).toBe(false);
    for (const url of [
      'http://example.com/',
      'https://example.com/model.onnx',
      'file:///etc/passwd',
      'ws://127.0.0.1:1234/api',
      'wss://example.com/',
      'vesalius://other-host/index.html',
      'ftp://example.com/',
      'not a url',
    ]) {
      expect(cancelled(url), url).toBe(true);
    }
  });

  it('sets the CSP and nosniff on responses', () => {
    const { session } = newWindow();
    let headers: Record<string, string[]> | undefined;
    session.webRequest.headersReceived?.(
      { url: 'vesalius://app/index.html', responseHeaders: { 'Content-Type': ['text/html'] } },
      (response) => {
        headers = response.responseHeaders;
      },
    );
    expect(headers?.['Content-Type']).toEqual(['text/html']);
    expect(headers?.['X-Content-Type-Options']).toEqual(['nosniff']);
    const csp = headers?.['Content-Security-Policy']?.[0] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toContain("'unsafe-eval'");
  });
});
