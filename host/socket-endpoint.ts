import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { dispatch } from '../core/contract/dispatch';
import type { Handlers } from '../core/contract/index';
import { err, type Result } from '../core/contract/result';
import type { SocketEvent, SocketResponse } from '../core/contract/socket-client';
import type { CallContext } from '../core/services/context';
import type { AnyEventListener } from '../core/transport/event-bus';
import { decodeFrame, encodeFrame, MAX_MESSAGE_BYTES } from '../core/transport/frame';
import { isAllowedHost, isAuthorized, isOwnOrigin } from './auth';

/** Largest message accepted (the largest assistant image fits, see core/transport/frame); bigger ones close the socket. */
export { MAX_MESSAGE_BYTES };
/** Calls one connection may have running at once; more are answered with an error instead of queued. */
export const MAX_CALLS_IN_FLIGHT = 256;

export interface SocketEndpointDeps {
  port: () => number;
  token: string;
  handlers: Handlers<CallContext>;
  /** The service's events; each one is pushed to every open connection of this endpoint (all passed the upgrade's checks). */
  events?: { onAny(listener: AnyEventListener): () => void };
}

type ParsedRequest = { id: number; call: unknown; args: unknown } | { id: number | null; error: string };

const bytesOf = (data: RawData): Buffer | ArrayBuffer => (Array.isArray(data) ? Buffer.concat(data) : data);

function parseRequest(data: RawData, isBinary: boolean): ParsedRequest {
  // Text is JSON; binary is a frame of core/transport/frame (a request whose arguments hold typed arrays).
  const decoded = decodeFrame(isBinary ? bytesOf(data) : bytesOf(data).toString());
  if (!decoded.ok) return { id: null, error: decoded.error.message };
  const message = decoded.value;
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { id: null, error: 'message must be an object { id, call, args }' };
  }
  const { id, call, args } = message as { id?: unknown; call?: unknown; args?: unknown };
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    return { id: null, error: 'message needs a non-negative integer id' };
  }
  return { id, call, args };
}

function reply(ws: WebSocket, response: SocketResponse): void {
  if (ws.readyState !== ws.OPEN) return;
  const frame = encodeFrame(response);
  ws.send(frame.ok ? frame.value : JSON.stringify({ id: response.id, result: err('internal', `result could not be sent: ${frame.error.message}`) }));
}

/**
 * The contract over a WebSocket at `/api`: `{ id, call, args }` in, `{ id, result }` out, every call through
 * the same dispatch() as Electron's IPC. The upgrade itself is where Host, Origin and the token are checked.
 */
export function createSocketEndpoint(deps: SocketEndpointDeps) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let connectionCount = 0;

  // One encoding per event, sent to every open connection: only upgrades that passed Host, Origin and token exist here.
  const stopEvents = deps.events?.onAny((event, payload) => {
    const frame = encodeFrame({ event, payload } satisfies SocketEvent);
    if (!frame.ok) throw new Error(`event ${event} could not be sent: ${frame.error.message}`);
    for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(frame.value);
  });

  wss.on('connection', (ws: WebSocket) => {
    const ctx: CallContext = { transport: 'browser', caller: `socket:${++connectionCount}` };
    let inFlight = 0;
    // A protocol error (e.g. an oversized message) closes this socket; it must never reach the process.
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      const request = parseRequest(data, isBinary);
      if ('error' in request) return reply(ws, { id: request.id, result: err('invalid_arguments', `malformed request: ${request.error}`) });
      if (inFlight >= MAX_CALLS_IN_FLIGHT) {
        return reply(ws, { id: request.id, result: err('io_error', `too many calls in flight (limit ${MAX_CALLS_IN_FLIGHT}); retry later`) });
      }
      inFlight++;
      void dispatch(deps.handlers, request.call, request.args, ctx)
        // dispatch() answers every failure as a value; this only keeps a bug in it from killing the host.
        .catch((e: unknown): Result<unknown> => err('internal', `dispatch failed: ${e instanceof Error ? e.message : String(e)}`))
        .then((result) => {
          inFlight--;
          reply(ws, { id: request.id, result });
        });
    });
  });

  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      socket.on('error', () => socket.destroy());
      const port = deps.port();
      const pathname = (req.url ?? '').split('?')[0];
      if (pathname !== '/api') return refuse(socket, '404 Not Found');
      if (!isAllowedHost(req, port) || !isOwnOrigin(req, port) || !isAuthorized(req, port, deps.token)) {
        return refuse(socket, '403 Forbidden');
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    close(): Promise<void> {
      stopEvents?.();
      for (const client of wss.clients) client.terminate();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
