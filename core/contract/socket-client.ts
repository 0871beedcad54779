import { eventContract, isEventName, type EventName } from './events';
import { callNames, type Api, type CallName } from './index';
import { err, type Result } from './result';
import { decodeFrame, encodeFrame, type IncomingData } from '../transport/frame';

/** The part of a WebSocket the client uses: the browser's WebSocket and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  /** Set to 'arraybuffer' so binary frames arrive as bytes (a browser's default is a Blob). */
  binaryType: string;
  send(data: string | Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export interface SocketApiOptions {
  /** Opens the socket. Defaults to the global WebSocket (browsers); Node tests pass the `ws` package's. */
  connect?: (url: string) => WebSocketLike;
  /** Told about a message from the host that is dropped (malformed, or an event its schema refuses). Default: console.warn. */
  onDropped?: (reason: string) => void;
}

/** What the client sends: one request per call (a binary frame when the arguments hold typed arrays). */
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

/** What the host pushes to every connection: one contract event. */
export interface SocketEvent {
  event: string;
  payload: unknown;
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

type Incoming = { kind: 'response'; response: SocketResponse } | { kind: 'event'; event: SocketEvent } | { kind: 'dropped'; reason: string };

const isIncomingData = (data: unknown): data is IncomingData =>
  typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data);

function parseIncoming(data: unknown): Incoming {
  if (!isIncomingData(data)) return { kind: 'dropped', reason: 'a message that is neither text nor bytes' };
  const decoded = decodeFrame(data);
  if (!decoded.ok) return { kind: 'dropped', reason: decoded.error.message };
  const parsed = decoded.value;
  if (typeof parsed !== 'object' || parsed === null) return { kind: 'dropped', reason: 'a message that is not an object' };
  if ('event' in parsed) {
    const { event, payload } = parsed as { event: unknown; payload?: unknown };
    if (typeof event !== 'string') return { kind: 'dropped', reason: 'an event without a name' };
    return { kind: 'event', event: { event, payload } };
  }
  const { id, result } = parsed as { id?: unknown; result?: unknown };
  if ((typeof id !== 'number' && id !== null) || !isResult(result)) return { kind: 'dropped', reason: 'an answer without { id, result }' };
  return { kind: 'response', response: { id, result } };
}

const defaultConnect = (url: string): WebSocketLike => {
  if (typeof WebSocket === 'undefined') throw new Error('createSocketApi: no global WebSocket; pass options.connect');
  return new WebSocket(url);
};

/** Reports a listener's exception without keeping the event from the other listeners. */
const reportListenerError = (e: unknown): void => {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(e);
  else queueMicrotask(() => {
    throw e;
  });
};

/**
 * The browser-mode `window.api`: one function per contract call, each a request over one socket, and `on`
 * for the events the host pushes. Resolves once the socket is open (rejects if it cannot open). Calls never
 * throw and never hang on a dead socket: once it closes, pending and later calls resolve to an `io_error` value.
 */
export function createSocketApi(wsUrl: string, options: SocketApiOptions = {}): Promise<Api> {
  const socket = (options.connect ?? defaultConnect)(wsUrl);
  socket.binaryType = 'arraybuffer';
  const onDropped = options.onDropped ?? ((reason: string) => console.warn(`vesalius socket: dropped ${reason}`));
  const pending = new Map<number, { call: CallName; resolve: (result: Result<unknown>) => void }>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let closed = false;

  const closedError = (call: string) => err('io_error', `${call}: connection to the Vesalius host at ${wsUrl} is closed`);

  const deliver = ({ event, payload }: SocketEvent) => {
    if (!isEventName(event)) return onDropped(`an event of unknown name ${event.slice(0, 80)}`);
    const checked = eventContract[event].safeParse(payload);
    if (!checked.success) return onDropped(`a ${event} event whose payload the contract refuses`);
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        listener(checked.data);
      } catch (e) {
        reportListenerError(e);
      }
    }
  };

  socket.addEventListener('message', (event) => {
    const incoming = parseIncoming(event.data);
    if (incoming.kind === 'dropped') return onDropped(incoming.reason);
    if (incoming.kind === 'event') return deliver(incoming.event);
    const { id, result } = incoming.response;
    if (id === null) return onDropped(`an answer to a request too malformed to carry an id: ${result.ok ? 'ok' : result.error.message}`);
    const waiting = pending.get(id);
    if (!waiting) return onDropped(`an answer to no pending call (id ${id})`);
    pending.delete(id);
    waiting.resolve(result);
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
    const frame = encodeFrame(request);
    if (!frame.ok) return Promise.resolve(err(frame.error.code, `${name}: ${frame.error.message}`));
    return new Promise((resolve) => {
      pending.set(id, { call: name, resolve });
      try {
        socket.send(frame.value);
      } catch (e) {
        pending.delete(id);
        resolve(err('io_error', `${name}: could not send: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  };

  const on: Api['on'] = (name, listener) => {
    if (!isEventName(name)) throw new TypeError(`api.on: ${String(name).slice(0, 80)} is not an event of the contract`);
    if (typeof listener !== 'function') throw new TypeError(`api.on(${name}): the listener must be a function`);
    const set = listeners.get(name) ?? new Set();
    listeners.set(name, set);
    const entry = (payload: unknown) => (listener as (p: unknown) => void)(payload);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  };

  const api = {
    ...Object.fromEntries(callNames.map((name) => [name, (args: unknown) => call(name, args)])),
    on,
  } as unknown as Api;

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
