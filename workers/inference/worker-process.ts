// How the inference worker process is started. Outside Electron (browser-mode host, CLI, tests) it is a
// child_process.fork of Node; inside Electron it must be a utility process (main/utility-worker.ts), because
// forking the Electron binary as Node needs the RunAsNode fuse, which the packaged app turns off. The client
// (core/inference/worker-client.ts) sees one WorkerChannel either way; the composition roots pick the starter.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exitSignal, type StartWorker, type WorkerChannel } from '../../core/inference/worker-channel';

/** How to start the worker: a script and the node flags it needs. */
export interface WorkerEntry {
  script: string;
  execArgv: string[];
}

/** Starts the worker script with the model folder as its argument, by some process mechanism. */
export type LaunchWorker = (entry: WorkerEntry, args: string[]) => WorkerChannel;

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

/**
 * The starter a composition root hands the inference client: the worker script (defaultWorkerEntry unless
 * given) launched with the model folder, by a Node child unless another launcher is given (Electron's main
 * passes its utility-process launcher). A missing script is an error naming it, not a process that never answers.
 */
export function workerStarter(launch: LaunchWorker = launchNodeWorker, entry: WorkerEntry = defaultWorkerEntry()): StartWorker {
  return (modelDir) => {
    if (!existsSync(entry.script)) throw new Error(`worker script not found: ${entry.script}`);
    return launch(entry, [modelDir]);
  };
}
