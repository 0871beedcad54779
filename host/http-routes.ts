import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentSecurityPolicy } from '../core/services/content-security-policy';
import { DICOM_MIME, mimeTypeFor } from '../core/services/mime-types';
import { resolveStaticFile } from '../core/services/static-path';
import { allowedHosts, isAllowedHost, isAuthorized, sessionCookie, tokensEqual } from './auth';

export interface RouteDeps {
  port: () => number;
  token: string;
  rendererDir: string;
  /** The file registered under an import's file key, or undefined. */
  resolveFileKey: (fileKey: string) => string | undefined;
}

const securityHeaders = (port: number): Record<string, string> => ({
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': contentSecurityPolicy(allowedHosts(port).map((host) => `ws://${host}`)),
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Together with COOP this makes the page cross-origin isolated, so cornerstone may use SharedArrayBuffer.
  'Cross-Origin-Embedder-Policy': 'require-corp',
});

function sendText(res: ServerResponse, port: number, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...securityHeaders(port), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(text);
}

function sendFile(req: IncomingMessage, res: ServerResponse, port: number, filePath: string, contentType: string, cacheControl: string): void {
  let size: number;
  try {
    const stats = statSync(filePath);
    if (!stats.isFile()) return sendText(res, port, 404, 'not found\n');
    size = stats.size;
  } catch {
    return sendText(res, port, 404, 'not found\n');
  }
  res.writeHead(200, { ...securityHeaders(port), 'Content-Type': contentType, 'Content-Length': String(size), 'Cache-Control': cacheControl });
  if (req.method === 'HEAD') return void res.end();
  const stream = createReadStream(filePath);
  // The headers are gone already; all we can do on a read error is cut the response short.
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** Every HTTP request: Host check, the one-time token exchange, then auth-gated static files and DICOM bytes. */
export function createRequestHandler(deps: RouteDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const port = deps.port();
    if (!isAllowedHost(req, port)) return sendText(res, port, 403, 'forbidden: unexpected Host header\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, port, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });

    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    } catch {
      return sendText(res, port, 400, 'bad request\n');
    }

    const offeredToken = url.searchParams.get('token');
    if (url.pathname === '/' && offeredToken !== null) {
      if (!tokensEqual(offeredToken, deps.token)) return sendText(res, port, 403, 'forbidden: wrong token\n');
      // Trade the token in the URL for a cookie, and drop it from the address bar and history.
      return sendText(res, port, 302, 'redirecting\n', { Location: '/', 'Set-Cookie': sessionCookie(port, deps.token) });
    }

    if (!isAuthorized(req, port, deps.token)) {
      return sendText(res, port, 403, 'forbidden: open the URL with ?token=… that `npm run web` printed\n');
    }

    if (url.pathname.startsWith('/dicom/')) {
      let fileKey: string;
      try {
        fileKey = decodeURIComponent(url.pathname.slice('/dicom/'.length));
      } catch {
        return sendText(res, port, 400, 'bad request\n');
      }
      const filePath = deps.resolveFileKey(fileKey);
      if (!filePath) return sendText(res, port, 404, 'no file under this key\n');
      return sendFile(req, res, port, filePath, DICOM_MIME, 'private, no-store');
    }

    const filePath = resolveStaticFile(deps.rendererDir, url.pathname);
    if (!filePath) return sendText(res, port, 404, 'not found\n');
    return sendFile(req, res, port, filePath, mimeTypeFor(filePath), 'no-cache');
  };
}
