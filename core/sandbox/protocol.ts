// The messages between the reader pool (main thread) and its worker threads, and how a thrown error
// crosses the thread boundary with its class intact (structured clone turns every Error into a plain Error).
import { MaskReadError } from '../masks/mask-error';

/** Main → worker: run one task. A worker runs one task at a time, so a crash or a hang costs only that task. */
export interface TaskRequest {
  id: number;
  kind: string;
  args: unknown;
}

/** An error thrown by a task, as data. */
export interface SerializedError {
  name: string;
  message: string;
  /** MaskReadError's fields, so the main side rebuilds the same error (same message, same reason). */
  filePath?: string;
  reason?: string;
  code?: string;
}

/** Worker → main: the task's value (its large typed arrays transferred, not copied) or its error. */
export type TaskReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };
/** Sent once by a thread when its modules have loaded: a task's time limit runs from then, not from the thread's start. */
export interface ReadyMessage {
  ready: true;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof MaskReadError) return { name: e.name, message: e.message, filePath: e.filePath, reason: e.reason };
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

/** The error the task threw, rebuilt on this side: a MaskReadError stays one (callers test `instanceof` and read `.reason`). */
export function deserializeError(data: SerializedError): Error {
  if (data.name === 'MaskReadError' && data.filePath !== undefined && data.reason !== undefined) return new MaskReadError(data.filePath, data.reason);
  const error = new Error(data.message) as NodeJS.ErrnoException;
  error.name = data.name;
  if (data.code !== undefined) error.code = data.code;
  return error;
}

/** A view at least this large that is at least half its buffer has the whole buffer transferred with it. */
const MIN_SHARED_VIEW_BYTES = 1 << 20;

type AnyTypedArray = Exclude<NodeJS.TypedArray, BigInt64Array | BigUint64Array> | BigInt64Array | BigUint64Array;

/** The standard constructor of a typed array (a Buffer counts as a Uint8Array, as it arrives on the other side). */
function plainConstructorOf(view: AnyTypedArray): new (length: number) => AnyTypedArray {
  const name = view[Symbol.toStringTag] as string;
  return (globalThis as unknown as Record<string, new (length: number) => AnyTypedArray>)[name];
}

/**
 * Makes `value` ready to post with its typed arrays transferred, not copied. A view's whole buffer
 * is transferred (the view arrives over it, offset kept) when the view is most of a large buffer:
 * a label map inside a gunzipped file is not copied again. A small or sparse view (a Node Buffer from
 * the shared pool, which must never be detached, is one) is copied into a buffer of its own first.
 * Walks plain objects, arrays and Maps.
 */
export function prepareTransfer(value: unknown): { value: unknown; transfer: ArrayBuffer[] } {
  const transfer = new Set<ArrayBuffer>();
  const seen = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return seen.get(v);
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const view = v as AnyTypedArray;
      let owned = view;
      const buffer = view.buffer;
      const transferable = buffer instanceof ArrayBuffer && (view.byteLength === buffer.byteLength || (view.byteLength >= MIN_SHARED_VIEW_BYTES && view.byteLength * 2 >= buffer.byteLength));
      if (!transferable) {
        owned = new (plainConstructorOf(view))(view.length);
        (owned as Uint8Array).set(view as Uint8Array);
      }
      transfer.add(owned.buffer as ArrayBuffer);
      seen.set(v, owned);
      return owned;
    }
    if (v instanceof Map) {
      const out = new Map();
      seen.set(v, out);
      for (const [k, item] of v) out.set(k, walk(item));
      return out;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const item of v) out.push(walk(item));
      return out;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype) return v; // cloned as structured clone clones it
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const [k, item] of Object.entries(v)) out[k] = walk(item);
    return out;
  };
  const prepared = walk(value);
  return { value: prepared, transfer: [...transfer] };
}
