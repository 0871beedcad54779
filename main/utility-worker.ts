// The inference worker as an Electron utility process. Forking the Electron binary as plain Node would need
// the RunAsNode fuse, which the packaged app turns off (build/electron-builder.yml), so main starts the worker
// this way; the client (core/inference/worker-client.ts) sees the same WorkerChannel as with child_process.fork.
import type { UtilityProcess } from 'electron';
import { exitSignal } from '../core/inference/worker-channel';
import type { LaunchWorker } from '../workers/inference/worker-process';

/** The part of Electron's `utilityProcess` module used here (a fake stands in for it in tests). */
export interface UtilityProcessModule {
  fork(modulePath: string, args: string[], options: { execArgv: string[]; stdio: Array<'pipe' | 'ignore'>; serviceName: string }): UtilityProcess;
}

export function utilityWorkerLauncher(utilityProcess: UtilityProcessModule): LaunchWorker {
  return (entry, args) => {
    const child = utilityProcess.fork(entry.script, args, {
      execArgv: entry.execArgv,
      stdio: ['ignore', 'ignore', 'pipe'],
      serviceName: 'Vesalius inference',
    });
    const exit = exitSignal();
    child.on('exit', (code) => exit.exited(`exited with code ${code}`));
    child.on('error', (type, location) => exit.exited(`failed (${type}${location ? ` at ${location}` : ''})`));
    child.stderr?.setEncoding('utf8');
    return {
      get pid() {
        return child.pid;
      },
      send(message, onFailed) {
        if (exit.done) return onFailed('the utility process has exited');
        try {
          child.postMessage(message);
        } catch (e) {
          onFailed(e instanceof Error ? e.message : String(e));
        }
      },
      kill() {
        if (!exit.done) child.kill();
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
}
