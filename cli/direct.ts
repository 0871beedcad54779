// The command line's way into the app: the same services, schemas and result shapes as the UI,
// called in process through dispatch('direct') on the data home of VESALIUS_HOME (or the default).
import path from 'node:path';
import { resolveDataDir } from '../core/config/data-dir';
import { resolveHome } from '../core/config/home';
import { dispatch } from '../core/contract/dispatch';
import type { EventListener, EventName } from '../core/contract/events';
import type { CallArgs, CallName, CallResult } from '../core/contract/index';
import type { Result } from '../core/contract/result';
import { createAppService, type AppService } from '../core/services/app-service';
import type { CliIo } from './command';
import { inferenceClients } from '../core/inference/worker-client';
import { workerStarter } from '../workers/inference/worker-process';

export interface DirectApi {
  /** One contract call, validated by its schema as from the UI; errors are values. */
  call<K extends CallName>(name: K, args: CallArgs<K>): Promise<Result<CallResult<K>>>;
  /** Server events (jobs.progress, catalog.changed, …), in process. Returns the unsubscribe function. */
  on<E extends EventName>(name: E, listener: EventListener<E>): () => void;
  /** The data home in use. */
  home: string;
  /** The services behind the calls (for what the contract does not carry, e.g. the catalog's granted roots). */
  service: AppService;
  close(): Promise<void>;
}

export interface DirectOptions {
  env?: NodeJS.ProcessEnv;
  /** The assistant's (and search's) model folder instead of the bundled default (`--model`). */
  modelDir?: string;
}

/**
 * Opens the app's services for the CLI. Throws (a HomeError or DatabaseError naming the folder or
 * file) when the home cannot be used; commands print that and exit 1.
 */
export async function openDirectApi(opts: DirectOptions = {}): Promise<DirectApi> {
  const env = opts.env ?? process.env;
  const home = resolveHome(env);
  const service = createAppService({
    dataDir: resolveDataDir(env),
    home,
    transport: 'direct',
    cacheDir: path.join(home, 'cache'),
    assistant: { createClient: inferenceClients({ start: workerStarter() }), ...(opts.modelDir === undefined ? {} : { modelDir: opts.modelDir }) },
  });
  const ctx = { transport: 'direct' as const, caller: 'cli' };
  return {
    call: async <K extends CallName>(name: K, args: CallArgs<K>) =>
      (await dispatch(service.handlers, name, args, ctx)) as Result<CallResult<K>>,
    on: (name, listener) => service.events.on(name, listener),
    home,
    service,
    close: async () => service.dispose(),
  };
}

/**
 * Waits for a job to finish, telling `onProgress` as it goes (through jobs.progress events), and
 * returns its final status from jobs.status.
 */
export async function waitForJob(
  api: DirectApi,
  jobId: string,
  onProgress?: (done: number, total: number) => void,
): Promise<Result<CallResult<'jobs.status'>>> {
  let finished: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (finished = resolve));
  const unsubscribe = api.on('jobs.progress', (progress) => {
    if (progress.jobId !== jobId) return;
    onProgress?.(progress.done, progress.total);
    if (progress.state !== 'running') finished();
  });
  try {
    // The job may have ended before we subscribed: ask once, then wait for its final event.
    const now = await api.call('jobs.status', { jobId });
    if (!now.ok || now.value.state !== 'running') return now;
    await ended;
    return await api.call('jobs.status', { jobId });
  } finally {
    unsubscribe();
  }
}

/**
 * Runs a command's work on an open DirectApi and closes it after. When the home or its catalog
 * cannot be opened, prints why (`vesalius <command>: …`) and returns exit status 1.
 */
export async function withDirectApi(command: string, io: CliIo, work: (api: DirectApi) => Promise<number>, opts: DirectOptions = {}): Promise<number> {
  let api: DirectApi;
  try {
    api = await openDirectApi(opts);
  } catch (e) {
    io.stderr(`vesalius ${command}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  try {
    return await work(api);
  } finally {
    await api.close();
  }
}
