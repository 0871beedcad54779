import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { err, ok, type Result } from '../../core/contract/result';
import { valueSchemas, workerResponseSchema, type WorkerImage, type WorkerMethod, type WorkerRequest, type WorkerValues } from '../../core/inference/protocol';
import type { InferencePort, InferencePortFactory } from '../../core/inference/port';
import { launchNodeWorker, type LaunchWorker, type WorkerEntry, type WorkerProcess } from './worker-process';

export type { WorkerEntry } from './worker-process';

export interface InferenceClientOptions {
  /** The model folder the worker serves. */
  modelDir: string;
  /** Defaults to the TypeScript source via tsx in development, `dist/workers/inference.cjs` when bundled. */
  entry?: WorkerEntry;
  /** Per-request limit (includes loading the model on first use). */
  requestTimeoutMs?: number;
  /** Starts the worker process: child_process.fork by default; Electron's main passes a utility-process launcher. */
  launch?: LaunchWorker;
}

export interface RequestOptions {
  timeoutMs?: number;
}

type Params<M extends WorkerMethod> = Omit<Extract<WorkerRequest, { method: M }>, 'id' | 'method'>;

interface Pending {
  method: WorkerMethod;
  resolve: (result: Result<unknown>) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const STDERR_TAIL_CHARS = 2000;

/** This module's own file, in both the tsx (ESM) and the bundled (CJS) build. */
const thisFile = (): string => (typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url));

/**
 * Where the worker is: next to this file as TypeScript when running from source (started through tsx),
 * else the bundle `dist/workers/inference.cjs` that build/esbuild.mjs writes.
 */
export function defaultWorkerEntry(): WorkerEntry {
  const here = thisFile();
  if (here.endsWith('.ts')) {
    const root = path.resolve(path.dirname(here), '..', '..');
    const tsxLoader = path.join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
    return {
      script: path.join(path.dirname(here), 'worker.ts'),
      execArgv: ['--import', existsSync(tsxLoader) ? pathToFileURL(tsxLoader).href : 'tsx'],
    };
  }
  // Bundled: this code lives in dist/<something>/*.cjs.
  return { script: path.resolve(path.dirname(here), '..', 'workers', 'inference.cjs'), execArgv: [] };
}

/** The factory a composition root hands core/services: one InferenceClient per model folder, with these options. */
export const inferenceClients =
  (options: Omit<InferenceClientOptions, 'modelDir'> = {}): InferencePortFactory =>
  (modelDir) =>
    new InferenceClient({ ...options, modelDir });

/**
 * Talks to the inference worker process. Spawns it on first use, restarts it on the next request after
 * it crashed or timed out, and never leaves a caller waiting on a dead worker: every request resolves to
 * a result value — the answer, or an error naming the model and what went wrong.
 */
export class InferenceClient implements InferencePort {
  private child: WorkerProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  private modelLoaded = false;
  private disposed = false;
  private readonly entry: WorkerEntry;
  private readonly launch: LaunchWorker;
  private readonly timeoutMs: number;
  readonly modelName: string;
  /** The model folder, absolute. */
  readonly modelDir: string;
  /** How many worker processes were started (1 + restarts). */
  starts = 0;

  constructor(options: InferenceClientOptions) {
    this.entry = options.entry ?? defaultWorkerEntry();
    this.launch = options.launch ?? launchNodeWorker;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.modelDir = path.resolve(options.modelDir);
    this.modelName = path.basename(this.modelDir);
  }

  /** Whether a live worker has loaded the model (false after a crash until the next successful request). */
  get loaded(): boolean {
    return this.modelLoaded && this.child !== null;
  }

  /** The worker's process id, or undefined when none runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  load(options?: RequestOptions) {
    return this.request('load', {}, options);
  }

  caption(image: WorkerImage, options?: RequestOptions) {
    return this.request('caption', { image }, options);
  }

  answer(image: WorkerImage, question: string, options?: RequestOptions) {
    return this.request('answer', { image, question }, options);
  }

  segment(image: WorkerImage, prompt: string, options?: RequestOptions) {
    return this.request('segment', { image, prompt }, options);
  }

  /** The image's unit vector (config.json embeddings.embed_dim values) in the model's image–text space. */
  embedImage(image: WorkerImage, options?: RequestOptions) {
    return this.request('embedImage', { image }, options);
  }

  /** The text's unit vector in the same space as embedImage (cosine similarity = dot product). */
  embedText(text: string, options?: RequestOptions) {
    return this.request('embedText', { text }, options);
  }

  request<M extends WorkerMethod>(method: M, params: Params<M>, options: RequestOptions = {}): Promise<Result<WorkerValues[M]>> {
    if (this.disposed) return Promise.resolve(err('model_error', `${this.modelName}: ${method}: the inference client was disposed`));
    let child: WorkerProcess;
    try {
      child = this.ensureChild();
    } catch (e) {
      return Promise.resolve(err('model_error', `${this.modelName}: cannot start the inference worker: ${e instanceof Error ? e.message : String(e)}`));
    }
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        resolve(err('model_error', `${this.modelName}: ${method} timed out after ${timeoutMs} ms; the inference worker was stopped and starts again on the next request`));
        // A worker past its deadline is wedged or overloaded; a fresh one serves the next request.
        this.killChild(child, `another request (${method}) timed out`);
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (result: Result<unknown>) => void, timer });
      const request = { id, method, ...params } as WorkerRequest;
      child.send(request, (reason) => this.settle(id, err('model_error', `${this.modelName}: ${method}: could not reach the inference worker: ${reason}`)));
    });
  }

  /** Stops the worker; pending and later requests resolve to errors. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const child = this.child;
    if (child) {
      const exited = new Promise<void>((resolve) => child.onExit(() => resolve()));
      this.killChild(child, 'the inference client was disposed');
      await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
    }
  }

  private settle(id: number, result: Result<unknown>): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    waiting.resolve(result);
  }

  private ensureChild(): WorkerProcess {
    if (this.child) return this.child;
    if (!existsSync(this.entry.script)) throw new Error(`worker script not found: ${this.entry.script}`);
    const child = this.launch(this.entry, [this.modelDir]);
    this.starts++;
    this.child = child;
    this.modelLoaded = false;
    this.stderrTail = '';
    child.onStderr((chunk) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.onMessage((message) => this.onMessage(message));
    child.onExit((how) => this.onExit(child, how));
    return child;
  }

  private onMessage(message: unknown): void {
    const parsed = workerResponseSchema.safeParse(message);
    if (!parsed.success || parsed.data.id === null) return; // Nothing we sent can be matched to it.
    const { id, result } = parsed.data;
    const waiting = this.pending.get(id);
    if (!waiting) return;
    if (!result.ok) return this.settle(id, err(result.error.code, result.error.message));
    const value = valueSchemas[waiting.method].safeParse(result.value);
    if (!value.success) return this.settle(id, err('model_error', `${this.modelName}: ${waiting.method}: the inference worker sent a malformed answer`));
    this.modelLoaded = true;
    this.settle(id, ok(value.data));
  }

  private killChild(child: WorkerProcess, why: string): void {
    if (this.child === child) this.onExit(child, `was stopped because ${why}`);
    child.kill();
  }

  /** The worker is gone: forget it (the next request starts a new one) and fail what it was running. */
  private onExit(child: WorkerProcess, how: string): void {
    if (this.child !== child) return;
    this.child = null;
    this.modelLoaded = false;
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    for (const [id, waiting] of [...this.pending]) {
      this.settle(
        id,
        err('model_error', `${this.modelName}: ${waiting.method}: the inference worker ${how}${tail ? ` (${tail})` : ''}; it starts again on the next request`),
      );
    }
  }
}
