// The inference worker process: `fork(worker, [modelDir], { serialization: 'advanced' })`.
// Answers each request message with `{ id, result }`; never throws across the channel.
import { createOrtBackend } from './backend';
import { createRequestHandler } from './handler';

const modelDir = process.argv[2];
if (!process.send || !modelDir) {
  process.stderr.write('inference worker: start it with child_process.fork(worker, [modelDir]) (needs an IPC channel and a model folder)\n');
  process.exit(2);
}

const handler = createRequestHandler(modelDir, createOrtBackend({ intraOpNumThreads: 2 }));

process.on('message', (message: unknown) => {
  void handler.handle(message).then((response) => {
    // The channel can close between the request and the answer (the parent quit); nobody is left to tell.
    if (process.connected) process.send?.(response, undefined, undefined, () => undefined);
  });
});

// The parent is gone: nothing will read our answers, so stop instead of lingering.
process.on('disconnect', () => {
  void handler.dispose().finally(() => process.exit(0));
});
