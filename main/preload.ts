// The sandboxed preload: `window.api` with one function per contract call, `on` for contract events,
// plus the drag-and-drop path helper. Never the raw ipcRenderer: the page can only make the calls the
// contract names and hear the events it names. (The build hands this file the names only, no zod.)
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { callNames, eventNames } from '../core/contract/index';
import { channelFor, eventChannelFor } from './channels';

const calls = Object.fromEntries(
  callNames.map((name) => [name, (args: unknown) => ipcRenderer.invoke(channelFor(name), args)]),
);

const eventChannels = new Map<string, string>(eventNames.map((name) => [name, eventChannelFor(name)]));

/** Subscribes the page to one contract event; returns the function that unsubscribes. Other names are refused. */
function on(name: unknown, listener: unknown): () => void {
  const channel = typeof name === 'string' ? eventChannels.get(name) : undefined;
  if (channel === undefined) {
    const shown = typeof name === 'string' ? name.slice(0, 80) : `(a ${name === null ? 'null' : typeof name})`;
    throw new TypeError(`api.on: ${shown} is not an event of the contract`);
  }
  if (typeof listener !== 'function') throw new TypeError(`api.on(${name as string}): the listener must be a function`);
  // The page gets the payload only, never Electron's event object (it carries the sender).
  const forward = (_event: IpcRendererEvent, payload: unknown) => (listener as (payload: unknown) => void)(payload);
  ipcRenderer.on(channel, forward);
  return () => {
    ipcRenderer.removeListener(channel, forward);
  };
}

contextBridge.exposeInMainWorld('api', {
  ...calls,
  on,
  /** The filesystem path of a dropped File; browsers cannot give one, Electron can. */
  getPathForFile: (file: File): string => webUtils.getPathForFile(file),
});
