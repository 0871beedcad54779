import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { tsImport } from 'tsx/esm/api';
import type { RunningHost, HostOptions } from '../../host/server';
import { resolveDataDir } from '../../core/config/data-dir';
import { ViewerPage } from './viewer-page';

export interface E2eFixtures {
  /** The page, already on the app, every request recorded. */
  viewer: ViewerPage;
  /** Every URL the browser asked for in this test (pages, workers, sockets). */
  requestLog: string[];
}

export interface E2eWorkerFixtures {
  /** Option: false runs the host as on a machine without the data directory. */
  withDataDir: boolean;
  /** The real data directory when it exists and is wanted, else null. */
  dataDir: string | null;
  /** A fresh data home (catalog, annotation store) for this worker, removed afterwards: never the user's own. */
  home: string;
  /** The app's host, started in this worker process on `home`. */
  host: RunningHost;
}

/** Anything the page fetches must come from the host itself; blob: and data: stay in the page. */
export function outsideOrigin(urls: string[], port: number): string[] {
  const allowed = [`http://127.0.0.1:${port}/`, `ws://127.0.0.1:${port}/`];
  return urls.filter((url) => !allowed.some((prefix) => url.startsWith(prefix)) && !/^(blob|data):/.test(url));
}

export function recordRequests(page: Page, log: string[]): void {
  const context = page.context();
  context.on('request', (request) => log.push(request.url()));
  page.on('websocket', (socket) => log.push(socket.url()));
  page.on('worker', (worker) => log.push(worker.url()));
}

/**
 * The host runs in this worker process, loaded through tsx: Playwright's own TypeScript loader
 * does not handle the JSON module the host's services import.
 */
export async function startTestHost(options: HostOptions & { home: string }): Promise<RunningHost> {
  const hostModule = (await tsImport('../../host/server.ts', import.meta.url)) as typeof import('../../host/server');
  return hostModule.startHost(options);
}

/** A fresh temp folder to be a data home. */
export const makeTestHome = (): string => mkdtempSync(path.join(os.tmpdir(), 'vesalius-e2e-home-'));

/**
 * Closes a host and starts another on the same home (a restart of the app): what was imported or
 * saved must still be there. The new host has a new port and token; navigate to its `url`.
 */
export async function restartTestHost(host: RunningHost, options: HostOptions & { home: string }): Promise<RunningHost> {
  await host.close();
  return startTestHost(options);
}

/** A host of the test's own on a fresh home, restartable on that home, and a scratch folder; both removed after. */
export interface OwnHost {
  readonly host: RunningHost;
  /** Scratch folder for the test's files (studies, masks). */
  readonly work: string;
  /** Closes the host and starts another on the same home: what was saved must still be there. */
  restart(): Promise<RunningHost>;
}

/** Registers beforeEach/afterEach in the current describe block for a host per test (a restart is part of the test). */
export function ownHostPerTest(prefix: string): OwnHost {
  let home = '';
  let work = '';
  let host: RunningHost | null = null;
  const options = () => ({ port: 0, dataDir: null, home, rendererDir: rendererDirOverride(), cacheDir: path.join(work, 'cache') });
  base.beforeEach(async () => {
    home = makeTestHome();
    work = mkdtempSync(path.join(os.tmpdir(), `vesalius-e2e-${prefix}-`));
    host = await startTestHost(options());
  });
  base.afterEach(async () => {
    await host?.close();
    host = null;
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  return {
    get host() {
      if (!host) throw new Error('ownHostPerTest: no host outside a test');
      return host;
    },
    get work() {
      return work;
    },
    async restart() {
      host = await restartTestHost(this.host, options());
      return host;
    },
  };
}

/** The built renderer under test: `dist/renderer` unless VESALIUS_RENDERER_DIR names another build. */
const rendererDirOverride = (): string | undefined =>
  process.env.VESALIUS_RENDERER_DIR ? path.resolve(process.env.VESALIUS_RENDERER_DIR) : undefined;

export const test = base.extend<E2eFixtures, E2eWorkerFixtures>({
  withDataDir: [true, { option: true, scope: 'worker' }],
  dataDir: [async ({ withDataDir }, use) => use(withDataDir ? resolveDataDir() : null), { scope: 'worker' }],
  home: [
    async ({}, use) => {
      const home = makeTestHome();
      await use(home);
      rmSync(home, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  host: [
    async ({ dataDir, home }, use) => {
      const host = await startTestHost({ port: 0, dataDir, home, rendererDir: rendererDirOverride() });
      await use(host);
      await host.close();
    },
    { scope: 'worker' },
  ],
  requestLog: async ({}, use) => use([]),
  viewer: async ({ page, host, requestLog }, use) => {
    recordRequests(page, requestLog);
    // The app must run under its strict CSP without tripping it (no eval, no inline script, nothing remote).
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to (load|execute|connect|create)/i.test(message.text())) cspViolations.push(message.text());
    });
    const viewer = new ViewerPage(page);
    await viewer.goto(host.url);
    await use(viewer);
    // Offline by construction: checked after every test, whatever it did.
    expect(outsideOrigin(requestLog, host.port), 'requests outside the app origin').toEqual([]);
    expect(requestLog.some((url) => url.startsWith(`http://127.0.0.1:${host.port}/`))).toBe(true);
    expect(cspViolations, 'Content-Security-Policy violations').toEqual([]);
  },
});

export { expect };
