import { callNames, type Api, type CallName } from './index';
import { err, type Result } from './result';

/** The part of a WebSocket the client uses: the browser's WebSocket and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export interface SocketApiOptions {
  /** Opens the socket. Defaults to the global WebSocket (browsers); Node tests pass the `ws` package's. */
  connect?: (url: string) => WebSocketLike;
}

/** What the client sends: one request per call. */
export interface SocketRequest {
  id: number;
  call: string;
  args: unknown;
}

/** What the host answers. `id` is null when the request was too malformed to carry one. */
export interface SocketResponse {
  id: number | null;
  result: Result<unknown>;
}

const OPEN = 1;

const isResult = (value: unknown): value is Result<unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as { ok?: unknown; error?: unknown };
  if (r.ok === true) return 'value' in r;
  if (r.ok !== false || typeof r.error !== 'object' || r.error === null) return false;
  const e = r.error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string';
};

const parseResponse = (data: unknown): SocketResponse | null => {
  if (typeof data !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { id, result } = parsed as { id?: unknown; result?: unknown };
  if ((typeof id !== 'number' && id !== null) || !isResult(result)) return null;
  return { id, result };
};

const defaultConnect = (url: string): WebSocketLike => {
  if (typeof WebSocket === 'undefined') throw new Error('createSocketApi: no global WebSocket; pass options.connect');
  return new WebSocket(url);
};

/**
 * The browser-mode `window.api`: one function per contract call, each a request over one socket.
 * Resolves once the socket is open (rejects if it cannot open). Calls never throw and never hang
 * on a dead socket: once it closes, pending and later calls resolve to an `io_error` value.
 */
export function createSocketApi(wsUrl: string, options: SocketApiOptions = {}): Promise<Api> {
  const socket = (options.connect ?? defaultConnect)(wsUrl);
  const pending = new Map<number, { call: CallName; resolve: (result: Result<unknown>) => void }>();
  let nextId = 1;
  let closed = false;

  const closedError = (call: string) => err('io_error', `${call}: connection to the Vesalius host at ${wsUrl} is closed`);

  socket.addEventListener('message', (event) => {
    const response = parseResponse(event.data);
    if (!response || response.id === null) return; // Nothing we sent can be matched to it.
    const waiting = pending.get(response.id);
    if (!waiting) return;
    pending.delete(response.id);
    waiting.resolve(response.result);
  });

  const failAll = () => {
    closed = true;
    for (const waiting of pending.values()) waiting.resolve(closedError(waiting.call));
    pending.clear();
  };
  socket.addEventListener('close', failAll);
  socket.addEventListener('error', failAll);

  const call = (name: CallName, args: unknown): Promise<Result<unknown>> => {
    if (closed || socket.readyState !== OPEN) return Promise.resolve(closedError(name));
    const id = nextId++;
    const request: SocketRequest = { id, call: name, args: args ?? {} };
    return new Promise((resolve) => {
      pending.set(id, { call: name, resolve });
      try {
        socket.send(JSON.stringify(request));
      } catch (e) {
        pending.delete(id);
        resolve(err('io_error', `${name}: could not send: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  };

  const api = Object.fromEntries(callNames.map((name) => [name, (args: unknown) => call(name, args)])) as unknown as Api;

  return new Promise((resolve, reject) => {
    if (socket.readyState === OPEN) return resolve(api);
    let settled = false;
    socket.addEventListener('open', () => {
      if (settled) return;
      settled = true;
      resolve(api);
    });
    const failOpen = () => {
      if (settled) return;
      settled = true;
      reject(new Error(`createSocketApi: could not connect to ${wsUrl}`));
    };
    socket.addEventListener('error', failOpen);
    socket.addEventListener('close', failOpen);
  });
}
