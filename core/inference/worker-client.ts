// The inference client: a request queue with cancel in front of one worker process, which it starts on first
// use and again after the worker died or timed out. How the process is started (a Node child, an Electron utility
// process) is the composition root's choice, handed in as a StartWorker; this file only talks over the channel.
import path from 'node:path';
import { err, ok, type Result } from '../contract/result';
import { answerMismatch, valueSchemas, workerProgressSchema, workerResponseSchema, type CaptionStep, type WorkerImage, type WorkerMethod, type WorkerRequest, type WorkerValues } from './protocol';
import type { CaptionRequestOptions, InferencePort, InferencePortFactory, InferenceRequestOptions, RequestPriority } from './port';
import type { StartWorker, WorkerChannel } from './worker-channel';

export interface InferenceClientOptions {
  /** The model folder the worker serves. */
  modelDir: string;
  /** Starts the worker process for the folder (workers/inference/worker-process.ts workerStarter, or main's utility process). */
  start: StartWorker;
  /** Per-request limit (includes loading the model on first use). */
  requestTimeoutMs?: number;
}

export type RequestOptions = InferenceRequestOptions;

type Params<M extends WorkerMethod> = Omit<Extract<WorkerRequest, { method: M }>, 'id' | 'method'>;

/** A request from the call until its worker's answer (or its failure) has come. */
interface Pending {
  id: number;
  method: WorkerMethod;
  message: WorkerRequest;
  timeoutMs: number;
  priority: RequestPriority;
  /** A streamed request's listener for the worker's progress messages. */
  onProgress: ((step: CaptionStep) => void) | null;
  /** Resolves the caller's promise; null once it has been answered (a cancelled request still in the worker). */
  resolve: ((result: Result<unknown>) => void) | null;
  timer: NodeJS.Timeout | null;
  /** Removes the abort listener. */
  release: () => void;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const STDERR_TAIL_CHARS = 2000;

/** The factory a composition root hands core/services: one InferenceClient per model folder, with these options. */
export const inferenceClients =
  (options: Omit<InferenceClientOptions, 'modelDir'>): InferencePortFactory =>
  (modelDir) =>
    new InferenceClient({ ...options, modelDir });

/**
 * Talks to the inference worker process. Spawns it on first use, restarts it on the next request after
 * it crashed or timed out, and never leaves a caller waiting on a dead worker: every request resolves to
 * a result value — the answer, or an error naming the model and what went wrong.
 */
export class InferenceClient implements InferencePort {
  private child: WorkerChannel | null = null;
  /**
   * Requests not yet sent: the interactive ones in arrival order, then the background ones in arrival order. One
   * request at a time goes to the worker, so a cancelled one never runs and an interactive one overtakes a backlog.
   */
  private readonly queue: Pending[] = [];
  /** The request the worker runs now (its caller may have cancelled it: the answer is then dropped). */
  private inFlight: Pending | null = null;
  private nextId = 1;
  private stderrTail = '';
  private modelLoaded = false;
  private disposed = false;
  private readonly start: StartWorker;
  private readonly timeoutMs: number;
  readonly modelName: string;
  /** The model folder, absolute. */
  readonly modelDir: string;
  /** How many worker processes were started (1 + restarts). */
  starts = 0;

  constructor(options: InferenceClientOptions) {
    this.start = options.start;
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

  /** With `onToken`, the worker streams the caption as it grows (CaptionRequestOptions). */
  caption(image: WorkerImage, options: CaptionRequestOptions = {}) {
    const { onToken, ...rest } = options;
    if (!onToken) return this.request('caption', { image }, rest);
    return this.request('caption', { image, stream: true }, rest, onToken);
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

  /**
   * Each text's unit vector, in the texts' order, in one round trip: the same vectors as embedText of each
   * (1 to MAX_EMBED_TEXTS texts).
   */
  embedTexts(texts: readonly string[], options?: RequestOptions) {
    return this.request('embedTexts', { texts: [...texts] }, options);
  }

  /** Requests queued or in flight whose callers still wait. */
  get waiting(): number {
    return this.queue.length + (this.inFlight?.resolve ? 1 : 0);
  }

  request<M extends WorkerMethod>(
    method: M,
    params: Params<M>,
    options: RequestOptions = {},
    onProgress: ((step: CaptionStep) => void) | null = null,
  ): Promise<Result<WorkerValues[M]>> {
    if (this.disposed) return Promise.resolve(err('model_error', `${this.modelName}: ${method}: the inference client was disposed`));
    const cancelled = () => err('cancelled', `${this.modelName}: ${method} was cancelled`);
    if (options.signal?.aborted) return Promise.resolve(cancelled());
    const id = this.nextId++;
    return new Promise((resolve) => {
      const entry: Pending = {
        id,
        method,
        message: { id, method, ...params } as WorkerRequest,
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
        priority: options.priority ?? 'interactive',
        onProgress,
        resolve: resolve as (result: Result<unknown>) => void,
        timer: null,
        release: () => undefined,
      };
      const signal = options.signal;
      if (signal) {
        const onAbort = () => {
          const queuedAt = this.queue.indexOf(entry);
          if (queuedAt >= 0) this.queue.splice(queuedAt, 1);
          // In flight: answered now; the slot stays taken until the worker answers (the answer is dropped).
          this.reply(entry, cancelled());
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.release = () => signal.removeEventListener('abort', onAbort);
      }
      this.enqueue(entry);
      this.pump();
    });
  }

  /** Queues a request behind those of its priority and (when interactive) ahead of every background one. */
  private enqueue(entry: Pending): void {
    const firstBackground = entry.priority === 'interactive' ? this.queue.findIndex((queued) => queued.priority === 'background') : -1;
    if (firstBackground < 0) this.queue.push(entry);
    else this.queue.splice(firstBackground, 0, entry);
  }

  /** Answers a request's caller once (later answers for it are dropped). */
  private reply(entry: Pending, result: Result<unknown>): void {
    const resolve = entry.resolve;
    if (!resolve) return;
    entry.resolve = null;
    entry.release();
    resolve(result);
  }

  /** Sends the next queued request when the worker is free; starts a worker when none runs. */
  private pump(): void {
    while (!this.inFlight && this.queue.length > 0 && !this.disposed) {
      const entry = this.queue.shift()!;
      let child: WorkerChannel;
      try {
        child = this.ensureChild();
      } catch (e) {
        this.reply(entry, err('model_error', `${this.modelName}: cannot start the inference worker: ${e instanceof Error ? e.message : String(e)}`));
        continue;
      }
      this.inFlight = entry;
      entry.timer = setTimeout(() => {
        if (this.inFlight !== entry) return;
        this.inFlight = null;
        this.reply(entry, err('model_error', `${this.modelName}: ${entry.method} timed out after ${entry.timeoutMs} ms; the inference worker was stopped and starts again on the next request`));
        // A worker past its deadline is wedged or overloaded: stop it before the next request goes to a fresh one.
        this.killChild(child, `another request (${entry.method}) timed out`);
        this.pump();
      }, entry.timeoutMs);
      child.send(entry.message, (reason) => {
        if (this.inFlight === entry) this.finish(entry, err('model_error', `${this.modelName}: ${entry.method}: could not reach the inference worker: ${reason}`));
      });
    }
  }

  /** The in-flight request is over: answer it (unless cancelled), free the worker, send the next one. */
  private finish(entry: Pending, result: Result<unknown>): void {
    if (this.inFlight !== entry) return;
    this.inFlight = null;
    if (entry.timer) clearTimeout(entry.timer);
    this.reply(entry, result);
    this.pump();
  }

  /** Stops the worker; pending and later requests resolve to errors. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const entry of this.queue.splice(0)) this.reply(entry, err('model_error', `${this.modelName}: ${entry.method}: the inference client was disposed`));
    const child = this.child;
    if (child) {
      const exited = new Promise<void>((resolve) => child.onExit(() => resolve()));
      this.killChild(child, 'the inference client was disposed');
      await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
    }
  }

  private ensureChild(): WorkerChannel {
    if (this.child) return this.child;
    const child = this.start(this.modelDir);
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
    const progress = workerProgressSchema.safeParse(message);
    if (progress.success) return this.onProgress(progress.data.id, progress.data.progress);
    const parsed = workerResponseSchema.safeParse(message);
    if (!parsed.success || parsed.data.id === null) return; // Nothing we sent can be matched to it.
    const { id, result } = parsed.data;
    const waiting = this.inFlight;
    if (!waiting || waiting.id !== id) return;
    if (!result.ok) return this.finish(waiting, err(result.error.code, result.error.message));
    const value = valueSchemas[waiting.method].safeParse(result.value);
    const mismatch = value.success ? answerMismatch(waiting.message, value.data) : null;
    if (!value.success || mismatch !== null) {
      return this.finish(waiting, err('model_error', `${this.modelName}: ${waiting.method}: the inference worker sent a malformed answer${mismatch ? ` (${mismatch})` : ''}`));
    }
    this.modelLoaded = true;
    this.finish(waiting, ok(value.data));
  }

  /** A streamed request's text so far: to its listener while its caller still waits (dropped once cancelled). */
  private onProgress(id: number, step: CaptionStep): void {
    const waiting = this.inFlight;
    if (!waiting || waiting.id !== id || !waiting.resolve || !waiting.onProgress) return;
    try {
      waiting.onProgress(step);
    } catch (e) {
      // The listener's failure is the caller's: it gets it as the request's answer (the worker's later answer is dropped).
      this.reply(waiting, err('internal', `${this.modelName}: ${waiting.method}: the token listener failed: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  private killChild(child: WorkerChannel, why: string): void {
    if (this.child === child) this.onExit(child, `was stopped because ${why}`);
    child.kill();
  }

  /**
   * The worker is gone: forget it and fail the request it was running, naming how it went; a queued request
   * starts a new worker at once (the next one is served as soon as that worker has loaded the model).
   */
  private onExit(child: WorkerChannel, how: string): void {
    if (this.child !== child) return;
    this.child = null;
    const wasServing = this.modelLoaded;
    this.modelLoaded = false;
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    const running = this.inFlight;
    if (running) {
      this.finish(running, err('model_error', `${this.modelName}: ${running.method}: the inference worker ${how}${tail ? ` (${tail})` : ''}; it starts again on the next request`));
    }
    // A worker that had served the model died (killed, out of memory): load a new one now rather than on the
    // next request, so that request does not also wait for the process start and the model load. One that never
    // loaded is not restarted by itself (a folder that crashes the runtime would loop).
    if (wasServing && !this.disposed && !this.child && !this.inFlight) void this.request('load', {});
  }
}
