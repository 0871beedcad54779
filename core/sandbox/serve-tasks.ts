// The worker side of the reader pool: answers each task message with the value of its handler.
import { parentPort } from 'node:worker_threads';
import { prepareTransfer, serializeError, type ReadyMessage, type TaskReply, type TaskRequest } from './protocol';

/** A task kind's implementation: runs on the worker thread, its value posted back (typed arrays transferred). */
export type TaskHandler = (args: never) => Promise<unknown> | unknown;
export type TaskTable = Record<string, TaskHandler>;

/** Serves `tasks` on this worker thread until it is terminated. */
export function serveTasks(tasks: TaskTable): void {
  const port = parentPort;
  if (!port) throw new Error('core/sandbox: serveTasks runs only on a worker thread');
  port.on('message', async (request: TaskRequest) => {
    let reply: TaskReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const handler = Object.hasOwn(tasks, request.kind) ? tasks[request.kind] : undefined;
      if (!handler) throw new Error(`the reader has no task "${request.kind}"`);
      const prepared = prepareTransfer(await handler(request.args as never));
      reply = { id: request.id, ok: true, value: prepared.value };
      transfer = prepared.transfer;
    } catch (e) {
      reply = { id: request.id, ok: false, error: serializeError(e) };
    }
    try {
      port.postMessage(reply, transfer);
    } catch (e) {
      // A value that cannot be cloned is the task's failure, not the thread's.
      port.postMessage({ id: request.id, ok: false, error: serializeError(e) } satisfies TaskReply);
    }
  });
  port.postMessage({ ready: true } satisfies ReadyMessage);
}
