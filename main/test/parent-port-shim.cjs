// Loaded (--require) into a plain Node child by the fake utilityProcess: gives it the process.parentPort that
// Electron gives a utility process, carried over the fork IPC channel. (Preloads also run in the ESM loader's own
// thread, which has no channel: nothing to do there.)
if (typeof process.send === 'function') {
  const send = process.send.bind(process);
  process.parentPort = {
    on(event, listener) {
      if (event === 'message') process.on('message', (data) => listener({ data }));
    },
    postMessage: (message) => send(message),
  };
  // Electron's channel is not process.send: hide it, so the worker must take the parentPort branch.
  process.send = undefined;
}
