/**
 * The one Content-Security-Policy for the renderer, in Electron and in browser mode.
 * - script-src 'wasm-unsafe-eval': cornerstone's image codecs (JPEG 2000, JPEG-LS, …) are WebAssembly.
 * - worker-src blob: the decoders run in workers that cornerstone starts from blob URLs.
 * - style-src 'unsafe-inline': Svelte transitions and cornerstone's viewport elements set inline styles.
 * - connect-src: the page talks only to its own origin (and, in browser mode, to its own socket).
 */
export function contentSecurityPolicy(extraConnectSrc: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    ["connect-src 'self'", ...extraConnectSrc].join(' '),
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
