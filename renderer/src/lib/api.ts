import type { Api } from '../../../core/contract/index';
import { createSocketApi } from '../../../core/contract/socket-client';

/** What the Electron preload adds beside the contract calls. */
export interface PreloadExtras {
  /** Real path of a dropped File (Electron's webUtils.getPathForFile). */
  getPathForFile(file: File): string;
}

declare global {
  interface Window {
    api?: Api & Partial<PreloadExtras>;
  }
}

export interface Connection {
  api: Api;
  /** Present only where dropped files have real paths (Electron). */
  getPathForFile: ((file: File) => string) | null;
}

/**
 * Electron's preload gives us `window.api`; in browser mode we speak the same contract over the
 * host's socket on our own origin (auth rides on the cookie the host set with the page).
 */
export async function connectApi(): Promise<Connection> {
  const preloaded = window.api;
  if (preloaded) {
    const getPathForFile = preloaded.getPathForFile ? (file: File) => preloaded.getPathForFile!(file) : null;
    return { api: preloaded, getPathForFile };
  }
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`;
  return { api: await createSocketApi(wsUrl), getPathForFile: null };
}
