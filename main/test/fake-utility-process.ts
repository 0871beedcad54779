// A stand-in for Electron's utilityProcess: a plain Node child that sees process.parentPort (parent-port-shim.cjs)
// and an object with UtilityProcess's surface (postMessage, kill, pid, stderr, 'message' and 'exit' events).
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UtilityProcess } from 'electron';
import type { UtilityProcessModule } from '../utility-worker';

const shim = path.join(path.dirname(fileURLToPath(import.meta.url)), 'parent-port-shim.cjs');

export interface FakeUtilityProcessModule extends UtilityProcessModule {
  forks: Array<{ modulePath: string; args: string[]; serviceName: string }>;
}

export function fakeUtilityProcess(): FakeUtilityProcessModule {
  const forks: FakeUtilityProcessModule['forks'] = [];
  return {
    forks,
    fork(modulePath, args, options) {
      forks.push({ modulePath, args, serviceName: options.serviceName });
      const child = fork(modulePath, args, {
        execArgv: ['--require', shim, ...options.execArgv],
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      const emitter = new EventEmitter();
      child.on('message', (message) => emitter.emit('message', message));
      child.on('exit', (code, signal) => emitter.emit('exit', code ?? (signal ? 128 : 0)));
      return Object.assign(emitter, {
        get pid() {
          return child.exitCode === null ? child.pid : undefined;
        },
        stdout: null,
        stderr: child.stderr,
        postMessage: (message: unknown) => child.send(message as Parameters<typeof child.send>[0]),
        kill: () => child.kill('SIGKILL'),
      }) as unknown as UtilityProcess;
    },
  };
}
