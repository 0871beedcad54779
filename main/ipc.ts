import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { dispatch } from '../core/contract/dispatch';
import { callNames, type CallName, type Handlers } from '../core/contract/index';
import { err, type Result } from '../core/contract/result';
import type { CallContext } from '../core/services/context';
import type { AnyEventListener } from '../core/transport/event-bus';
import { isAppUrl } from './app-url';
import { channelFor, eventChannelFor } from './channels';

/**
 * Only our window's top frame, showing our own origin, may call the API: not a subframe,
 * not another web contents, not a page that somehow navigated elsewhere.
 */
export function isTrustedSender(event: IpcMainInvokeEvent, window: BrowserWindow | null): boolean {
  const frame = event.senderFrame;
  if (!frame || !window || window.isDestroyed()) return false;
  const contents = window.webContents;
  if (event.sender !== contents) return false;
  const mainFrame = contents.mainFrame;
  const isMainFrame = frame.parent === null && frame.processId === mainFrame.processId && frame.routingId === mainFrame.routingId;
  return isMainFrame && isAppUrl(frame.url);
}

export interface IpcDeps {
  handlers: Handlers<CallContext>;
  /** The one window whose page may call the API, and the only one that receives events. */
  getWindow: () => BrowserWindow | null;
  /** The service's events, forwarded to that window's page on `event:<name>`. */
  events?: { onAny(listener: AnyEventListener): () => void };
}

/** Sends an event to our window's page only, and only while it shows our own app (never another origin). */
function sendToWindow(window: BrowserWindow | null, name: string, payload: unknown): void {
  if (!window || window.isDestroyed()) return;
  const contents = window.webContents;
  if (contents.isDestroyed() || !isAppUrl(contents.mainFrame.url)) return;
  contents.send(eventChannelFor(name), payload);
}

/**
 * One `ipcMain.handle` per contract call, on `api:<callName>`, and the service's events forwarded to our window.
 * Returns a function that removes them all.
 */
export function registerIpcHandlers(deps: IpcDeps): () => void {
  const handleCall = async (name: CallName, event: IpcMainInvokeEvent, args: unknown): Promise<Result<unknown>> => {
    if (!isTrustedSender(event, deps.getWindow())) {
      const from = event.senderFrame?.url ?? 'a destroyed frame';
      return err('forbidden', `${name}: call refused from ${from.slice(0, 200)}`);
    }
    return dispatch(deps.handlers, name, args, { transport: 'electron', caller: `window:${event.sender.id}` });
  };
  for (const name of callNames) {
    ipcMain.handle(channelFor(name), (event, args: unknown) => handleCall(name, event, args));
  }
  const stopEvents = deps.events?.onAny((name, payload) => sendToWindow(deps.getWindow(), name, payload));
  return () => {
    stopEvents?.();
    for (const name of callNames) ipcMain.removeHandler(channelFor(name));
  };
}
