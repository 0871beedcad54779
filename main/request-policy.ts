import { isAppUrl } from './app-url';

// In-memory URLs the page creates itself (cornerstone's blob workers, data: images) never touch the network;
// devtools: is Chromium's own inspector UI.
const localSchemes = new Set(['blob:', 'data:', 'devtools:']);

/** The app is offline by design: the only loads allowed are our own scheme and in-memory URLs. */
export function isAllowedRequestUrl(url: string): boolean {
  if (isAppUrl(url)) return true;
  try {
    return localSchemes.has(new URL(url).protocol);
  } catch {
    return false;
  }
}
