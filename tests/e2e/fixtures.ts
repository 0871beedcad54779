import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { tsImport } from 'tsx/esm/api';
import type { RunningHost, HostOptions } from '../../host/server';
import type { ImportSummary } from '../../core/contract/dicom';
import { resolveDataDir } from '../../core/config/data-dir';
import { SAMPLE_FOLDER } from '../../core/fixtures/sample';
import { writeCachedPhantomSeries } from './phantom-cache';
import { ViewerPage } from './viewer-page';

export interface E2eFixtures {
  /** The page, already on the app, every request recorded. */
  viewer: ViewerPage;
  /** Every URL the browser asked for in this test (pages, workers, sockets). */
  requestLog: string[];
  /**
   * Option: the page errors this test expects, one pattern over the messages `pageErrors` holds, e.g.
   * `test.use({ allowedPageErrors: /cannot decode/ })` (one RegExp: test.use reads an array as a fixture tuple).
   * Everything else it records fails the test.
   */
  allowedPageErrors: RegExp | null;
  /**
   * Automatic in every test: each uncaught exception and console error of every page of the test's
   * browser context, as `pageerror: <message>` or `console.error: <text> (<url>:<line>)`. After the
   * test, any not matched by `allowedPageErrors` fails it, with the messages; a test may also assert on it.
   */
  pageErrors: string[];
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

type HostModule = typeof import('../../host/server');

/**
 * The host runs in this worker process, loaded through tsx: Playwright's own TypeScript loader
 * does not handle the JSON module the host's services import. Each load is a fresh copy of every module.
 */
const loadHostModule = (): Promise<HostModule> => tsImport('../../host/server.ts', import.meta.url) as Promise<HostModule>;

/** Loaded once per worker for fresh hosts (seconds per load on two shared cores); a restart loads its own. */
let workerHostModule: Promise<HostModule> | null = null;

/** A host on a new home (any state it starts with is in `home`). */
export async function startTestHost(options: HostOptions & { home: string }): Promise<RunningHost> {
  workerHostModule ??= loadHostModule();
  return (await workerHostModule).startHost(options);
}

/** A fresh temp folder to be a data home. */
export const makeTestHome = (): string => mkdtempSync(path.join(os.tmpdir(), 'vesalius-e2e-home-'));

/**
 * Closes a host and starts another on the same home (a restart of the app): what was imported or
 * saved must still be there. The new host has a new port and token; navigate to its `url`.
 */
export async function restartTestHost(host: RunningHost, options: HostOptions & { home: string }): Promise<RunningHost> {
  await host.close();
  // Fresh modules, as a new process has: nothing a module kept in memory survives, only what is in the home.
  return (await loadHostModule()).startHost(options);
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
  return ownHost(prefix, 'ownHostPerTest', base.beforeEach, base.afterEach);
}

/**
 * Registers beforeAll/afterAll in the current describe block for one host, home and scratch folder that all its
 * tests share (a failed test's worker is replaced, and the next test gets a new one). What a test leaves in the
 * store is there for the next: each test must start from state of its own (a new segmentation, say), and a test
 * that needs an empty store or a restart uses ownHostPerTest.
 */
export function hostPerFile(prefix: string): OwnHost {
  return ownHost(prefix, 'hostPerFile', base.beforeAll, base.afterAll);
}

type Hook = (fn: () => Promise<void>) => void;

function ownHost(prefix: string, name: string, before: Hook, after: Hook): OwnHost {
  let home = '';
  let work = '';
  let host: RunningHost | null = null;
  const options = () => ({ port: 0, dataDir: null, home, rendererDir: rendererDirOverride(), cacheDir: path.join(work, 'cache') });
  before(async () => {
    home = makeTestHome();
    work = mkdtempSync(path.join(os.tmpdir(), `vesalius-e2e-${prefix}-`));
    // "Open sample study" writes the default phantom into the host's cache folder (seconds): a copy of the cached
    // one is the same files (ensurePhantomSample writes writePhantomSeries' defaults), there before the host looks.
    await writeCachedPhantomSeries(path.join(options().cacheDir, SAMPLE_FOLDER), {});
    host = await startTestHost(options());
  });
  after(async () => {
    await host?.close();
    host = null;
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  return {
    get host() {
      if (!host) throw new Error(`${name}: no host outside a test`);
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

/** Imports folders through the host's own service (as the path field does), waits for the import to end and returns its summary. */
export async function importThroughHost(host: RunningHost, paths: string[]): Promise<ImportSummary> {
  const context = { transport: 'direct', caller: 'e2e set-up' } as const;
  const started = await host.service.handlers['dicom.startImport']({ paths, how: 'path-field' }, context);
  if (!started.ok) throw new Error(`import of ${paths.join(', ')}: ${started.error.message}`);
  for (;;) {
    const status = await host.service.handlers['jobs.status']({ jobId: started.value.jobId }, context);
    if (!status.ok) throw new Error(`import of ${paths.join(', ')}: ${status.error.message}`);
    if (status.value.state !== 'running') {
      const summary = status.value.kind === 'import' ? status.value.result : null;
      if (status.value.state !== 'done' || !summary || summary.errors.length) throw new Error(`import of ${paths.join(', ')}: ${JSON.stringify(status.value)}`);
      return summary;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The built renderer under test: `dist/renderer` unless VESALIUS_RENDERER_DIR names another build (for a spec's own host). */
export const rendererDirOverride = (): string | undefined =>
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
  allowedPageErrors: [null, { option: true }],
  pageErrors: [
    async ({ context, allowedPageErrors }, use) => {
      const errors: string[] = [];
      // The context's events cover every page of the test: a second window, a popup, a reloaded page.
      context.on('weberror', (webError) => errors.push(`pageerror: ${webError.error().message}`));
      context.on('console', (message) => {
        if (isCspViolation(message.text())) errors.push(`csp: ${message.text()}`);
        else if (message.type() === 'error' && !isHttpStatusLine(message.text())) {
          const { url, lineNumber } = message.location();
          errors.push(`console.error: ${message.text()} (${url}:${lineNumber})`);
        }
      });
      await use(errors);
      // A CSP violation is never expected: the app must run under its strict CSP (no eval, no inline script, nothing remote).
      const unexpected = errors.filter((error) => error.startsWith('csp: ') || !allowedPageErrors?.test(error));
      expect(unexpected, 'uncaught page errors, console errors and CSP violations').toEqual([]);
    },
    { auto: true },
  ],
  viewer: async ({ page, host, requestLog }, use) => {
    recordRequests(page, requestLog);
    const viewer = new ViewerPage(page);
    await viewer.goto(host.url);
    await use(viewer);
    // Offline by construction: checked after every test, whatever it did.
    expect(outsideOrigin(requestLog, host.port), 'requests outside the app origin').toEqual([]);
    expect(requestLog.some((url) => url.startsWith(`http://127.0.0.1:${host.port}/`))).toBe(true);
  },
});

/**
 * What cornerstone logs (console.error) when a file the test made undecodable is decoded: its decode worker's
 * failure (a libjpeg error code, or the TypeError of a 32-bit big-endian frame it cannot unpack) and the
 * loader's ImageLoadFailure naming the file. For `allowedPageErrors` in specs that show broken files.
 */
export const UNDECODABLE_FILE_ERRORS =
  /^console\.error: (Error executing method 'decodeTask' on worker 'dicomImageLoader': (\d+\b|TypeError: Cannot read properties of undefined \(reading 'length'\))|ImageLoadFailure: .+ decoder rejected the pixel data)/;

/** What Chromium logs when the page's CSP blocks something. */
const isCspViolation = (text: string): boolean => /Content Security Policy|Refused to (load|execute|connect|create)/i.test(text);

/**
 * Chromium logs every HTTP error answer as a console error ("Failed to load resource: the server responded
 * with a status of 404"): the host's refusals are part of what the error specs exercise, and they check
 * what the app shows for them, so these lines alone fail nothing.
 */
const isHttpStatusLine = (text: string): boolean => /^Failed to load resource: the server responded with a status of \d+/.test(text);

export { expect };
