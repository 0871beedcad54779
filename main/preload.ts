// The sandboxed preload: `window.api` with one function per contract call, plus the drag-and-drop path helper.
// Never the raw ipcRenderer: the page can only make the calls the contract names.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { callNames } from '../core/contract/index';
import { channelFor } from './channels';

const calls = Object.fromEntries(
  callNames.map((name) => [name, (args: unknown) => ipcRenderer.invoke(channelFor(name), args)]),
);

contextBridge.exposeInMainWorld('api', {
  ...calls,
  /** The filesystem path of a dropped File; browsers cannot give one, Electron can. */
  getPathForFile: (file: File): string => webUtils.getPathForFile(file),
});
