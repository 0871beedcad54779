// What the inference client needs of a worker process, whatever started it: a Node child (browser-mode host,
// CLI, tests: workers/inference/worker-process.ts) or an Electron utility process (main/utility-worker.ts). The
// composition roots own the starting; core/inference/worker-client.ts only talks over this channel.

/** A running worker process: messages both ways, its exit, its stderr, and a way to end it. */
export interface WorkerChannel {
  readonly pid: number | undefined;
  /** Sends one message (structured clone: typed arrays cross as they are); `onFailed` hears when it cannot be delivered. */
  send(message: unknown, onFailed: (reason: string) => void): void;
  /** Ends the process at once (a wedged worker gets no chance to linger). */
  kill(): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process has gone, with how it went ("exited with code 1", "was killed by SIGKILL"). */
  onExit(listener: (how: string) => void): void;
  onStderr(listener: (chunk: string) => void): void;
}

/** Starts a worker process serving one model folder (absolute path); throws when it cannot be started. */
export type StartWorker = (modelDir: string) => WorkerChannel;

/** The exit side of a WorkerChannel: listeners hear the first `exited(how)` only (an error and an exit can both come). */
export function exitSignal(): { exited: (how: string) => void; onExit: (listener: (how: string) => void) => void; readonly done: boolean } {
  let done = false;
  const listeners: Array<(how: string) => void> = [];
  return {
    exited(how) {
      if (done) return;
      done = true;
      for (const listener of listeners) listener(how);
    },
    onExit: (listener) => void listeners.push(listener),
    get done() {
      return done;
    },
  };
}
