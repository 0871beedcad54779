// Loads the built dist/main/main.cjs in plain Node with a stub `electron`, to check that the bundle
// starts (no import.meta.url crash), wires one IPC handler per call, and answers app.info and the protocol.
// Run after `npm run build:electron`: node main/test/bundle-smoke.cjs
const Module = require('node:module');
const path = require('node:path');
const { EventEmitter } = require('node:events');

const root = path.resolve(__dirname, '..', '..');
const handlers = new Map();
const protocolHandlers = new Map();
const windows = [];

class WebContents extends EventEmitter {
  constructor() {
    super();
    this.id = 1;
    this.mainFrame = { url: 'vesalius://app/index.html', processId: 1, routingId: 1, parent: null };
    this.session = {
      setPermissionRequestHandler() {},
      setPermissionCheckHandler() {},
      webRequest: { onBeforeRequest() {}, onHeadersReceived() {} },
    };
  }
  setWindowOpenHandler() {}
  isDestroyed() {
    return false;
  }
  send() {}
  loadURL() {
    return Promise.resolve();
  }
}
class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    windows.push(this);
  }
  loadURL(url) {
    return this.webContents.loadURL(url);
  }
  isDestroyed() {
    return false;
  }
}
const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  enableSandbox() {},
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
  getAppPath: () => root,
  getPath: (name) => path.join(require('node:os').tmpdir(), 'vesalius-bundle-smoke', name),
  quit() {},
});
const stub = {
  app,
  BrowserWindow,
  ipcMain: { handle: (channel, fn) => handlers.set(channel, fn), removeHandler: (c) => handlers.delete(c) },
  protocol: { registerSchemesAsPrivileged() {}, handle: (scheme, fn) => protocolHandlers.set(scheme, fn) },
  dialog: { showOpenDialog: async () => ({ canceled: true, filePaths: [] }) },
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'electron' ? 'electron-stub' : resolve.call(this, request, ...rest);
};
require.cache['electron-stub'] = { id: 'electron-stub', filename: 'electron-stub', loaded: true, exports: stub };

require(path.join(root, 'dist', 'main', 'main.cjs'));

setTimeout(async () => {
  const [window] = windows;
  if (!window) throw new Error('no window was created');
  console.log('preload:', window.options.webPreferences.preload);
  console.log('ipc channels:', handlers.size);
  const event = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
  console.log('app.info:', JSON.stringify(await handlers.get('api:app.info')(event, {})));
  const foreign = { sender: window.webContents, senderFrame: { ...window.webContents.mainFrame, url: 'https://evil.example/' } };
  console.log('foreign sender:', JSON.stringify(await handlers.get('api:app.info')(foreign, {})));
  const response = await protocolHandlers.get('vesalius')(new Request('vesalius://app/index.html'));
  console.log('vesalius://app/index.html:', response.status, response.headers.get('content-type'));
  app.emit('will-quit');
  process.exit(0);
}, 200);
