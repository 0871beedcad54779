/** The app's own origin: every page and asset is served from `vesalius://app/…` (see protocol.ts). */
export const APP_SCHEME = 'vesalius';
export const APP_HOST = 'app';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * True for URLs of our own origin. Compared by parts: for a custom scheme, WHATWG `URL.origin` is the
 * opaque "null" in some runtimes, which would make every custom-scheme URL look alike.
 */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}
