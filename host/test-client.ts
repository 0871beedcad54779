// Small helpers for the host tests: raw HTTP requests (with any Host header) and WebSocket connections.
import http from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { decodeFrame } from '../core/transport/frame';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request to 127.0.0.1:port with exactly the given path and headers (nothing normalised). */
export function rawRequest(port: number, rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: rawPath, method, headers: { Host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export interface WsAttempt {
  /** The open socket, or null when the upgrade was refused. */
  socket: WebSocket | null;
  /** HTTP status of a refused upgrade. */
  status: number | null;
}

/** Tries a WebSocket upgrade with the given headers; resolves with the socket or the refusal status. */
export function tryWebSocket(url: string, options: { origin?: string; headers?: Record<string, string> }): Promise<WsAttempt> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { origin: options.origin, headers: options.headers });
    socket.once('open', () => resolve({ socket, status: null }));
    socket.once('unexpected-response', (_req, res) => {
      resolve({ socket: null, status: res.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', () => resolve({ socket: null, status: null }));
  });
}

/** One message as the host sent it: JSON text, or a binary frame (core/transport/frame) decoded. */
export function decodeReply(reply: RawData, isBinary: boolean): unknown {
  const bytes = Array.isArray(reply) ? Buffer.concat(reply) : Buffer.from(reply as ArrayBuffer);
  const decoded = decodeFrame(isBinary ? bytes : bytes.toString());
  if (!decoded.ok) throw new Error(`the host sent a malformed frame: ${decoded.error.message}`);
  return decoded.value;
}

/** Sends raw text (or bytes) and waits for the next message that is not an event, decoded. */
export function sendRaw(socket: WebSocket, data: string | Buffer | Uint8Array): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: RawData, isBinary: boolean) => {
      const message = decodeReply(reply, isBinary);
      if (typeof message === 'object' && message !== null && 'event' in message) return;
      socket.off('message', onMessage);
      resolve(message);
    };
    socket.on('message', onMessage);
    socket.once('close', () => reject(new Error('socket closed before answering')));
    socket.send(data);
  });
}
