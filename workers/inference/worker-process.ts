// How the inference worker process is started and talked to. Outside Electron (browser-mode host, CLI,
// tests) it is a child_process.fork of Node; inside Electron it must be a utility process
// (main/utility-worker.ts), because forking the Electron binary as Node needs the RunAsNode fuse, which the
// packaged app turns off. The client sees one interface either way.
import { fork } from 'node:child_process';

/** How to start the worker: a script and the node flags it needs. */
export interface WorkerEntry {
  script: string;
  execArgv: string[];
}

/** A running worker process, whatever started it. */
export interface WorkerProcess {
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

export type LaunchWorker = (entry: WorkerEntry, args: string[]) => WorkerProcess;

/** The exit side of a WorkerProcess: listeners hear the first `exited(how)` only (an error and an exit can both come). */
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

/** child_process.fork with an IPC channel using structured clone ('advanced' serialization). */
export const launchNodeWorker: LaunchWorker = (entry, args) => {
  const child = fork(entry.script, args, {
    execArgv: entry.execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const exit = exitSignal();
  child.on('error', (e) => exit.exited(`could not run: ${e.message}`));
  child.on('exit', (code, signal) => exit.exited(signal ? `was killed by ${signal}` : `exited with code ${code}`));
  child.stderr?.setEncoding('utf8');
  return {
    get pid() {
      return child.pid;
    },
    send(message, onFailed) {
      try {
        child.send(message as Parameters<typeof child.send>[0], (sendError) => {
          if (sendError) onFailed(sendError.message);
        });
      } catch (e) {
        onFailed(e instanceof Error ? e.message : String(e));
      }
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    onMessage(listener) {
      child.on('message', listener);
    },
    onExit: exit.onExit,
    onStderr(listener) {
      child.stderr?.on('data', listener);
    },
  };
};
