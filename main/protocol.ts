import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import { contentSecurityPolicy } from '../core/services/content-security-policy';
import { DICOM_MIME, mimeTypeFor } from '../core/services/mime-types';
import { resolveStaticFile } from '../core/services/static-path';
import { APP_HOST, APP_SCHEME } from './app-url';

/**
 * Must run before `app` is ready. A standard + secure scheme gets a real origin, so 'self' in the CSP,
 * fetch() and cornerstone's wasm/worker loading behave as on https, while no network is involved.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true },
    },
  ]);
}

export interface AppProtocolDeps {
  /** The built renderer (`dist/renderer`). */
  rendererDir: string;
  /** The file registered under an import's file key, or undefined. */
  resolveFileKey: (fileKey: string) => string | undefined;
}

const baseHeaders = (): Record<string, string> => ({
  'Content-Security-Policy': contentSecurityPolicy(),
  'X-Content-Type-Options': 'nosniff',
});

const textResponse = (status: number, text: string): Response =>
  new Response(text, { status, headers: { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8' } });

function fileResponse(filePath: string, contentType: string, method: string): Response {
  let size: number;
  try {
    const stats = statSync(filePath);
    if (!stats.isFile()) return textResponse(404, 'not found');
    size = stats.size;
  } catch {
    return textResponse(404, 'not found');
  }
  const headers = { ...baseHeaders(), 'Content-Type': contentType, 'Content-Length': String(size) };
  if (method === 'HEAD') return new Response(null, { status: 200, headers });
  // Streamed, so opening a large series never holds whole files in the main process.
  const body = Readable.toWeb(createReadStream(filePath)) as unknown as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}

/** Answers one `vesalius://app/…` request: the renderer's files, or `/dicom/<fileKey>` bytes. Traversal-safe. */
export function serveAppRequest(request: Request, deps: AppProtocolDeps): Response {
  if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'method not allowed');
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return textResponse(400, 'bad request');
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return textResponse(404, 'not found');

  if (url.pathname.startsWith('/dicom/')) {
    let fileKey: string;
    try {
      fileKey = decodeURIComponent(url.pathname.slice('/dicom/'.length));
    } catch {
      return textResponse(400, 'bad request');
    }
    const filePath = deps.resolveFileKey(fileKey);
    return filePath ? fileResponse(filePath, DICOM_MIME, request.method) : textResponse(404, 'no file under this key');
  }

  const filePath = resolveStaticFile(deps.rendererDir, url.pathname);
  return filePath ? fileResponse(filePath, mimeTypeFor(filePath), request.method) : textResponse(404, 'not found');
}

/** Serves the app scheme. Call once the app is ready. */
export function handleAppProtocol(deps: AppProtocolDeps): void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, deps));
}
