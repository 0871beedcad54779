// A pool of worker threads that run untrusted-input tasks inside limits: each task has the thread to
// itself, a time limit, and the thread's V8 heap limit. A thread that hangs, crashes or runs out of
// memory fails only the task it was running (with the reason in words) and is replaced for the next.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { deserializeError, type ReadyMessage, type TaskReply, type TaskRequest } from './protocol';
import { workerStartOf } from './worker-entry';

export interface WorkerPoolOptions {
  /** The thread's entry module (.ts through tsx, or a bundled .cjs/.js) that calls serveTasks. */
  entry: string;
  /** Threads at most (default min(2, cores)); each is started on first need and kept while it lives. */
  size?: number;
  /** Time limit of one task, from the moment a thread takes it (default 60 s). */
  timeoutMs?: number;
  /** V8 heap limit of each thread in MiB (default 2,560); ArrayBuffer memory is not counted by V8. */
  memoryLimitMb?: number;
}

export type SandboxFailureKind = 'timeout' | 'memory' | 'crash' | 'closed';

/** A task the sandbox stopped (or lost): `reason` says why in words; the caller names the file. */
export class SandboxFailure extends Error {
  constructor(
    readonly kind: SandboxFailureKind,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'SandboxFailure';
  }
}

export const DEFAULT_TASK_TIMEOUT_MS = 60_000;
export const DEFAULT_MEMORY_LIMIT_MB = 2560;

interface Task {
  id: number;
  kind: string;
  args: unknown;
  timeoutMs: number;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker | null;
  /** The thread has loaded its modules (its ReadyMessage came): a task's time limit can start. */
  ready: boolean;
  running: Task | null;
  timer: NodeJS.Timeout | null;
}

/** How long a fresh thread may take to load its modules (tsx compiling the sources on a busy machine) before it is given up. */
const START_UP_LIMIT_MS = 60_000;

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 })} s`);

export class WorkerPool {
  private readonly slots: Slot[];
  private readonly queue: Task[] = [];
  private readonly entry: string;
  private readonly timeoutMs: number;
  private readonly memoryLimitMb: number;
  private nextId = 1;
  private closed = false;
  /** Threads started so far (first starts and replacements), for tests and diagnostics. */
  starts = 0;

  constructor(options: WorkerPoolOptions) {
    this.entry = options.entry;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
    this.memoryLimitMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
    const size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
    this.slots = Array.from({ length: size }, () => ({ worker: null, ready: false, running: null, timer: null }));
  }

  /** The memory limit in words, as failures state it ("2,560 MiB"). */
  get memoryLimitText(): string {
    return `${this.memoryLimitMb.toLocaleString('en-US')} MiB`;
  }

  /**
   * Runs one task on a thread of its own. Resolves to its value; rejects with the error the task
   * threw (rebuilt with its class), or a SandboxFailure when the thread was stopped or lost.
   */
  run<T>(kind: string, args: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new SandboxFailure('closed', 'the reader sandbox was closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, kind, args, timeoutMs: options.timeoutMs ?? this.timeoutMs, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  /** Stops every thread; queued and running tasks fail with 'closed'. */
  async close(): Promise<void> {
    this.closed = true;
    const closedFailure = (): SandboxFailure => new SandboxFailure('closed', 'the reader sandbox was closed');
    for (const task of this.queue.splice(0)) task.reject(closedFailure());
    const stopping: Promise<number>[] = [];
    for (const slot of this.slots) {
      const worker = slot.worker;
      this.finish(slot, (task) => task.reject(closedFailure()));
      slot.worker = null;
      if (worker) stopping.push(worker.terminate());
    }
    await Promise.allSettled(stopping);
  }

  /** Hands queued tasks to idle threads, starting threads as needed. */
  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.running) continue;
      const task = this.queue.shift() as Task;
      let worker: Worker;
      try {
        worker = slot.worker ?? this.spawn(slot);
      } catch (e) {
        task.reject(new SandboxFailure('crash', `the reader could not start (${e instanceof Error ? e.message : String(e)})`));
        continue;
      }
      slot.running = task;
      worker.ref(); // a task in flight keeps the process alive until it is answered
      // The file's time limit starts once the thread is ready: loading its modules is not reading the file.
      if (slot.ready) this.startTimer(slot, worker, task);
      else slot.timer = setTimeout(() => this.onStartUpTimeout(slot, worker), START_UP_LIMIT_MS);
      worker.postMessage({ id: task.id, kind: task.kind, args: task.args } satisfies TaskRequest);
    }
  }

  private spawn(slot: Slot): Worker {
    const start = workerStartOf(this.entry);
    const worker = new Worker(start.filename, {
      eval: start.eval,
      resourceLimits: { maxOldGenerationSizeMb: this.memoryLimitMb },
    });
    this.starts++;
    slot.worker = worker;
    slot.ready = false;
    worker.on('message', (reply: TaskReply | ReadyMessage) => ('ready' in reply ? this.onReady(slot, worker) : this.onReply(slot, worker, reply)));
    worker.on('error', (e: Error) => this.onLost(slot, worker, this.errorReason(e)));
    worker.on('exit', (code) => this.onLost(slot, worker, { kind: 'crash', reason: `the reader stopped while reading this file (its thread exited with code ${code})` }));
    // Idle, the thread must not hold the process open. unref() only after the listeners: attaching
    // a 'message' listener refs the worker again (see core/dicom/prefix-reader.ts).
    worker.unref();
    return worker;
  }

  private errorReason(e: Error): { kind: SandboxFailureKind; reason: string } {
    if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return { kind: 'memory', reason: `reading ran out of the reader's ${this.memoryLimitText} memory limit` };
    }
    return { kind: 'crash', reason: `the reader failed unexpectedly (${e.name}: ${e.message})` };
  }

  /** Clears the slot's running task (if any) and hands it to `settle`. */
  private finish(slot: Slot, settle: (task: Task) => void): void {
    const task = slot.running;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.running = null;
    if (task) settle(task);
  }

  private startTimer(slot: Slot, worker: Worker, task: Task): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = setTimeout(() => this.onTimeout(slot, worker, task), task.timeoutMs);
  }

  private onReady(slot: Slot, worker: Worker): void {
    if (slot.worker !== worker) return;
    slot.ready = true;
    if (slot.running) this.startTimer(slot, worker, slot.running);
  }

  private onStartUpTimeout(slot: Slot, worker: Worker): void {
    if (slot.worker !== worker || slot.ready) return;
    slot.worker = null;
    this.finish(slot, (t) => t.reject(new SandboxFailure('crash', `the reader did not start within ${seconds(START_UP_LIMIT_MS)}`)));
    void worker.terminate();
    this.pump();
  }

  private onReply(slot: Slot, worker: Worker, reply: TaskReply): void {
    if (slot.worker !== worker || slot.running?.id !== reply.id) return; // a reply from a thread already given up on
    this.finish(slot, (task) => (reply.ok ? task.resolve(reply.value) : task.reject(deserializeError(reply.error))));
    worker.unref();
    this.pump();
  }

  private onTimeout(slot: Slot, worker: Worker, task: Task): void {
    if (slot.worker !== worker || slot.running !== task) return;
    slot.worker = null; // a fresh thread serves the next task; this one may be stuck in a loop
    this.finish(slot, (t) => t.reject(new SandboxFailure('timeout', `reading stopped after ${seconds(t.timeoutMs)} (the time limit for one file)`)));
    void worker.terminate();
    this.pump();
  }

  /** The thread died (error, exit, out of memory): fail what it ran; the next task starts a new one. */
  private onLost(slot: Slot, worker: Worker, why: { kind: SandboxFailureKind; reason: string }): void {
    if (slot.worker !== worker) return; // already replaced (timeout, close) or reported by 'error' before its 'exit'
    slot.worker = null;
    this.finish(slot, (task) => task.reject(new SandboxFailure(why.kind, why.reason)));
    void worker.terminate();
    if (!this.closed) this.pump();
  }
}
