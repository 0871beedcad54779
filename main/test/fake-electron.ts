// A small hand-written stand-in for the parts of `electron` that main/ uses, for vi.mock('electron').
// It records what the code under test registers, so tests can drive those handlers like Electron would.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';

type Callback<T> = (response: T) => void;
export type BeforeRequestListener = (details: { url: string }, callback: Callback<{ cancel?: boolean }>) => void;
export type HeadersReceivedListener = (
  details: { url: string; responseHeaders?: Record<string, string[]> },
  callback: Callback<{ responseHeaders?: Record<string, string[]> }>,
) => void;
export type PermissionRequestHandler = (contents: unknown, permission: string, callback: Callback<boolean>) => void;

class FakeWebRequest {
  beforeRequest: BeforeRequestListener | null = null;
  headersReceived: HeadersReceivedListener | null = null;
  onBeforeRequest(listener: BeforeRequestListener): void {
    this.beforeRequest = listener;
  }
  onHeadersReceived(listener: HeadersReceivedListener): void {
    this.headersReceived = listener;
  }
}

export class FakeSession {
  webRequest = new FakeWebRequest();
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: ((contents: unknown, permission: string) => boolean) | null = null;
  setPermissionRequestHandler(handler: PermissionRequestHandler): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void {
    this.permissionCheckHandler = handler;
  }
}

export class FakeFrame {
  constructor(
    public url: string,
    public processId: number,
    public routingId: number,
    public parent: FakeFrame | null,
  ) {}
}

let nextContentsId = 1;

export class FakeWebContents extends EventEmitter {
  id = nextContentsId++;
  session = session.defaultSession;
  mainFrame = new FakeFrame('vesalius://app/index.html', 7, this.id, null);
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  loadedUrl: string | null = null;
  /** What main sent to this page with send(channel, ...args). */
  sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler;
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  devToolsOpen = false;
  /** Like Electron: opening emits 'devtools-opened' (listeners may close them again at once). */
  openDevTools(): void {
    this.devToolsOpen = true;
    this.emit('devtools-opened');
  }
  closeDevTools(): void {
    this.devToolsOpen = false;
  }
  isDevToolsOpened(): boolean {
    return this.devToolsOpen;
  }
}

export class BrowserWindow extends EventEmitter {
  static instances: BrowserWindow[] = [];
  webContents = new FakeWebContents();
  destroyed = false;
  constructor(public options: Record<string, unknown>) {
    super();
    BrowserWindow.instances.push(this);
  }
  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {}
  show(): void {}
}

export const session = { defaultSession: new FakeSession() };

type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown;

export const ipcMain = {
  handlers: new Map<string, InvokeHandler>(),
  handle(channel: string, handler: InvokeHandler): void {
    // Like Electron: a second handler on one channel is an error.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  },
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  },
};

type RendererListener = (event: { sender: unknown }, ...args: unknown[]) => void;

export const ipcRenderer = {
  invocations: [] as { channel: string; args: unknown[] }[],
  listeners: new Map<string, RendererListener[]>(),
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invocations.push({ channel, args });
    return Promise.resolve({ ok: true, value: { channel } });
  },
  on(channel: string, listener: RendererListener): void {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
  },
  removeListener(channel: string, listener: RendererListener): void {
    const left = (this.listeners.get(channel) ?? []).filter((l) => l !== listener);
    if (left.length) this.listeners.set(channel, left);
    else this.listeners.delete(channel);
  },
  /** Test hook: what Electron does when main calls webContents.send(channel, ...args). */
  deliver(channel: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(channel) ?? []) listener({ sender: 'ipc-renderer-event-sender' }, ...args);
  },
};

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, value: unknown): void {
    this.exposed.set(key, value);
  },
};

export const webUtils = {
  getPathForFile: (file: { name: string }): string => `/dropped/${file.name}`,
};

type ProtocolHandler = (request: Request) => Response | Promise<Response>;

export const protocol = {
  privileged: [] as { scheme: string; privileges: Record<string, boolean> }[],
  handlers: new Map<string, ProtocolHandler>(),
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]): void {
    this.privileged.push(...schemes);
  },
  handle(scheme: string, handler: ProtocolHandler): void {
    this.handlers.set(scheme, handler);
  },
};

/** main.ts hands it to the inference client; tests that start a worker use main/test/fake-utility-process.ts. */
export const utilityProcess = {
  fork(): never {
    throw new Error('fake electron: utilityProcess.fork is not available in this test (use fakeUtilityProcess)');
  },
};

export const dialog = {
  calls: [] as unknown[],
  errorBoxes: [] as { title: string; content: string }[],
  showErrorBox(title: string, content: string): void {
    this.errorBoxes.push({ title, content });
  },
  nextResult: { canceled: false, filePaths: [] as string[] },
  showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> {
    this.calls.push(args);
    return Promise.resolve(this.nextResult);
  },
};

class FakeApp extends EventEmitter {
  lockGranted = true;
  quitCalls = 0;
  isPackaged = false;
  ready = false;
  sandboxEnabled = false;
  appPath = path.join(os.tmpdir(), 'vesalius-fake-app');
  private readyResolve: (() => void) | null = null;
  private readyPromise = new Promise<void>((resolve) => {
    this.readyResolve = resolve;
  });
  requestSingleInstanceLock(): boolean {
    return this.lockGranted;
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  /** Test hook: what Electron does once it has started. */
  becomeReady(): void {
    this.ready = true;
    this.readyResolve?.();
  }
  /** Test hook: the state of a process that has not started yet, for importing main again. */
  startOver(): void {
    this.ready = false;
    this.readyPromise = new Promise<void>((resolve) => {
      this.readyResolve = resolve;
    });
  }
  /** Like Electron, which refuses it once the app is ready. */
  enableSandbox(): void {
    if (this.ready) throw new Error('app.enableSandbox() can only be called before app is ready');
    this.sandboxEnabled = true;
  }
  getAppPath(): string {
    return this.appPath;
  }
  getPath(name: string): string {
    return path.join(os.tmpdir(), 'vesalius-fake-app-paths', name);
  }
  quit(): void {
    this.quitCalls++;
  }
}

export const app = new FakeApp();
