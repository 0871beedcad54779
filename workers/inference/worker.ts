// The inference worker process. Started by child_process.fork(worker, [modelDir], { serialization: 'advanced' })
// outside Electron, or by Electron's utilityProcess.fork inside it (main/utility-worker.ts): the same requests
// come through process.send / 'message' there and process.parentPort here. Answers each request with
// `{ id, result }` (a streamed caption sends `{ id, progress }` messages before it); never throws across the channel.
import { createOrtBackend } from './backend';
import { createRequestHandler } from './handler';

/** Electron's utility-process channel (absent in plain Node). */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;
const modelDir = process.argv[2];
if ((!parentPort && !process.send) || !modelDir) {
  process.stderr.write('inference worker: start it with child_process.fork or utilityProcess.fork (needs a message channel) and a model folder argument\n');
  process.exit(2);
}

const handler = createRequestHandler(modelDir, createOrtBackend({ intraOpNumThreads: 2 }));

if (parentPort) {
  // A utility process ends with the app; there is no disconnect to watch.
  parentPort.on('message', ({ data }) => {
    void handler.handle(data, (progress) => parentPort.postMessage(progress)).then((response) => parentPort.postMessage(response));
  });
} else {
  // The channel can close between the request and the answer (the parent quit); nobody is left to tell.
  const send = (message: unknown) => {
    if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
  };
  process.on('message', (message: unknown) => {
    void handler.handle(message, send).then(send);
  });

  // The parent is gone: nothing will read our answers, so stop instead of lingering.
  process.on('disconnect', () => {
    void handler.dispose().finally(() => process.exit(0));
  });
}
