// Electron main: the composition root. It wires core/ services to IPC and the window; no domain logic here.
import path from 'node:path';
import { app, dialog, utilityProcess, type BrowserWindow } from 'electron';
import { resolveDataDir } from '../core/config/data-dir';
import { resolveHome } from '../core/config/home';
import { createAppService } from '../core/services/app-service';
import { registerIpcHandlers } from './ipc';
import { pickPathsWithDialog } from './pick-paths';
import { handleAppProtocol, registerAppScheme } from './protocol';
import { utilityWorkerLauncher } from './utility-worker';
import { inferenceClients } from '../core/inference/worker-client';
import { workerStarter } from '../workers/inference/worker-process';
import { createMainWindow, hardenWebContents } from './window';

// Both must happen before `ready`: privileged schemes, and the OS sandbox for every renderer (whatever its
// webPreferences say, so a window opened later can never be left without one).
registerAppScheme();
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let mainWindow: BrowserWindow | null = null;

  // Any web contents that ever appears (devtools, a stray popup) gets the same navigation rules.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, { packaged: app.isPackaged }));
  app.on('second-instance', () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => app.quit());

  void app.whenReady().then(() => {
    // The bundle lives in dist/main/ of the app path; everything is located from there, not from import.meta.url.
    const appPath = app.getAppPath();
    const dataDir = resolveDataDir({
      ...process.env,
      VESALIUS_DATA_DIR: process.env.VESALIUS_DATA_DIR ?? path.resolve(appPath, '..', 'shared', 'data'),
    });
    let service: ReturnType<typeof createAppService>;
    try {
      service = createAppService({
        dataDir,
        home: resolveHome(process.env, app.getPath('userData')),
        transport: 'electron',
        cacheDir: path.join(app.getPath('userData'), 'cache'),
        pickPaths: (kind) => pickPathsWithDialog(mainWindow, kind),
        // Packaged, the model folders are extraResources beside the archive (build/electron-builder.yml).
        // The inference worker runs as a utility process: the packaged app has no RunAsNode fuse to fork Node with.
        assistant: {
          modelsDir: app.isPackaged ? path.join(process.resourcesPath, 'models') : path.join(appPath, 'models'),
          createClient: inferenceClients({ start: workerStarter(utilityWorkerLauncher(utilityProcess)) }),
        },
        // Imported images are embedded for archive search in the background (search.indexStatus shows how far).
        search: { autoIndex: true },
      });
    } catch (e) {
      // A home that cannot be created or a database that cannot be opened: say which and why, then quit
      // (never a window over a store that cannot save).
      dialog.showErrorBox('Vesalius cannot start', e instanceof Error ? e.message : String(e));
      app.quit();
      return;
    }
    handleAppProtocol({
      rendererDir: path.join(appPath, 'dist', 'renderer'),
      resolveFileKey: (fileKey) => service.registry.resolve(fileKey),
    });
    const unregisterIpc = registerIpcHandlers({ handlers: service.handlers, getWindow: () => mainWindow, events: service.events });
    const openWindow = () => {
      mainWindow = createMainWindow({ preloadPath: path.join(appPath, 'dist', 'main', 'preload.cjs'), packaged: app.isPackaged });
      mainWindow.on('closed', () => {
        mainWindow = null;
      });
    };
    openWindow();
    app.on('activate', () => {
      if (mainWindow === null) openWindow();
    });
    app.on('will-quit', () => {
      unregisterIpc();
      service.dispose();
    });
  });
}
