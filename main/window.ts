import { BrowserWindow, type Session, type WebContents, type WebPreferences } from 'electron';
import { contentSecurityPolicy } from '../core/services/content-security-policy';
import { APP_ENTRY_URL } from './app-url';
import { isAllowedRequestUrl } from './request-policy';

/** Where the app runs from decides whether DevTools may open: in development yes, packaged never. */
export interface BuildKind {
  packaged: boolean;
}

/** Every security-relevant window setting, in one place (see Electron's security checklist). */
export const secureWebPreferences = (preloadPath: string, build: BuildKind): WebPreferences => ({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
  // A packaged app has no use for DevTools, and they would hand anyone at the keyboard a console in the page.
  devTools: !build.packaged,
  preload: preloadPath,
});

/**
 * For every web contents (our window and anything else that appears): no navigation away from the
 * loaded page by any frame, no new windows, no <webview>, and in a packaged build no DevTools (closed
 * at once should they open anyway). The app is a single page; links to elsewhere are never followed.
 */
export function hardenWebContents(contents: WebContents, build: BuildKind): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  // will-navigate covers the main frame only; subframes (an <iframe> however it got there) navigate through this.
  contents.on('will-frame-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (build.packaged) contents.on('devtools-opened', () => contents.closeDevTools());
}

/** For the session the window uses: no permissions, no network, and our CSP on every response. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequestUrl(details.url) }));
  session.webRequest.onHeadersReceived((details, callback) =>
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [contentSecurityPolicy()],
        'X-Content-Type-Options': ['nosniff'],
      },
    }),
  );
}

export function createMainWindow(opts: { preloadPath: string } & BuildKind): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#111318',
    title: 'Vesalius',
    webPreferences: secureWebPreferences(opts.preloadPath, opts),
  });
  hardenSession(window.webContents.session);
  hardenWebContents(window.webContents, opts);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY_URL);
  return window;
}
