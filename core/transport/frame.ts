// Socket framing shared by the host and the page: a message without typed arrays is JSON text; one with
// typed arrays is a binary frame, so pixels and masks cross as their bytes (no base64), in both directions.
//
// Binary frame layout (all offsets from the frame start; little-endian):
//   [0, 4)          u32: byte length H of the JSON header
//   [4, 4 + H)      UTF-8 JSON header: { "buffers": [byteLength, ...], "message": <message> }, where each
//                   typed array of the message is replaced by { "$bytes": i, "type": "Uint16Array" }
//   then buffer i, each starting at the next multiple of 8 (zero padding), in order; the frame ends with the last.
import { MAX_IMAGE_SIDE } from '../contract/assistant';
import { typedArrayTypeOf, typedArrayTypes, type TypedArray, type TypedArrayType } from '../contract/primitives';
import { err, ok, type Result } from '../contract/result';

/**
 * Largest message either side accepts: the largest assistant image the contract allows (4096² float32,
 * 64 MiB) plus 1 MiB for its header. Bigger requests are refused by the client before sending; the host
 * closes a socket that sends more (ws maxPayload).
 */
export const MAX_MESSAGE_BYTES = MAX_IMAGE_SIDE * MAX_IMAGE_SIDE * 4 + 1024 * 1024;

const ALIGN = 8;
const PLACEHOLDER_KEY = '$bytes';
const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export type Frame = string | Uint8Array<ArrayBuffer>;

/** Copies the message, putting a placeholder where each typed array was and collecting the arrays in order. */
function extractBuffers(value: unknown, buffers: TypedArray[], path: string): unknown {
  const type = typedArrayTypeOf(value);
  if (type !== null) {
    buffers.push(value as TypedArray);
    return { [PLACEHOLDER_KEY]: buffers.length - 1, type };
  }
  if (Array.isArray(value)) return value.map((item, i) => extractBuffers(item, buffers, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    // As JSON.stringify does (a Date becomes its ISO text).
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return extractBuffers(toJSON.call(value), buffers, path);
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
      throw new TypeError(`${path}: a ${value.constructor.name} cannot be sent; use one of ${Object.keys(typedArrayTypes).join(', ')}`);
    }
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === PLACEHOLDER_KEY) throw new TypeError(`${path}: the key ${PLACEHOLDER_KEY} is reserved by the socket framing`);
      copy[key] = extractBuffers(item, buffers, `${path}.${key}`);
    }
    return copy;
  }
  return value;
}

/**
 * A message as one socket frame: JSON text when it holds no typed array, else a binary frame.
 * An error value when it cannot be encoded (a reserved key, an unsupported binary type, a cycle) or is over the limit.
 */
export function encodeFrame(message: unknown, maxBytes = MAX_MESSAGE_BYTES): Result<Frame> {
  const buffers: TypedArray[] = [];
  let header: string;
  try {
    const body = extractBuffers(message, buffers, 'message');
    header = JSON.stringify(buffers.length === 0 ? body : { buffers: buffers.map((b) => b.byteLength), message: body });
  } catch (e) {
    return err('internal', `message cannot be encoded: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (buffers.length === 0) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; only measure exactly when that bound is over the limit.
    const size = header.length * 3 <= maxBytes ? header.length : new TextEncoder().encode(header).byteLength;
    return size > maxBytes ? err('invalid_arguments', `message is ${size} bytes, over the ${maxBytes}-byte limit`) : ok(header);
  }
  const headerBytes = new TextEncoder().encode(header);
  let size = alignUp(4 + headerBytes.byteLength);
  const offsets = buffers.map((b, i) => {
    const at = size;
    size = i === buffers.length - 1 ? at + b.byteLength : alignUp(at + b.byteLength);
    return at;
  });
  if (size > maxBytes) return err('invalid_arguments', `message is ${size} bytes, over the ${maxBytes}-byte limit`);
  const frame = new Uint8Array(size);
  new DataView(frame.buffer).setUint32(0, headerBytes.byteLength, true);
  frame.set(headerBytes, 4);
  buffers.forEach((b, i) => frame.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), offsets[i]));
  return ok(frame);
}

const isPlaceholder = (value: object): value is { $bytes: unknown; type: unknown } =>
  Object.prototype.hasOwnProperty.call(value, PLACEHOLDER_KEY);

/** Puts the typed arrays back where their placeholders are; each a fresh, aligned copy of its bytes. */
function restoreBuffers(value: unknown, buffers: Uint8Array[], path: string): unknown {
  if (Array.isArray(value)) return value.map((item, i) => restoreBuffers(item, buffers, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  if (isPlaceholder(value)) {
    const keys = Object.keys(value);
    const { $bytes: index, type } = value;
    if (keys.length !== 2 || typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= buffers.length) {
      throw new RangeError(`${path}: a placeholder needs { $bytes: <buffer index below ${buffers.length}>, type }`);
    }
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(typedArrayTypes, type)) {
      throw new RangeError(`${path}: ${JSON.stringify(type)?.slice(0, 40)} is not a typed array type (${Object.keys(typedArrayTypes).join(', ')})`);
    }
    const Ctor = typedArrayTypes[type as TypedArrayType];
    const bytes = buffers[index];
    if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) {
      throw new RangeError(`${path}: buffer ${index} has ${bytes.byteLength} bytes, not a whole number of ${type} elements`);
    }
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return new Ctor(copy.buffer);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = restoreBuffers(item, buffers, `${path}.${key}`);
  return out;
}

/** What arrives on a socket: text, or binary as an ArrayBuffer (browsers), a Buffer / Uint8Array (Node `ws`). */
export type IncomingData = string | ArrayBuffer | ArrayBufferView;

/** Decodes one frame; an error value (never a throw) when it is malformed, saying what is wrong. */
export function decodeFrame(data: IncomingData, maxBytes = MAX_MESSAGE_BYTES): Result<unknown> {
  try {
    if (typeof data === 'string') {
      if (data.length > maxBytes) return err('invalid_arguments', `message is over the ${maxBytes}-byte limit`);
      return ok(JSON.parse(data) as unknown);
    }
    const frame = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (frame.byteLength > maxBytes) return err('invalid_arguments', `frame is ${frame.byteLength} bytes, over the ${maxBytes}-byte limit`);
    if (frame.byteLength < 4) return err('invalid_arguments', `binary frame of ${frame.byteLength} bytes has no header length`);
    const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true);
    if (4 + headerLength > frame.byteLength) {
      return err('invalid_arguments', `binary frame header says ${headerLength} bytes but the frame has ${frame.byteLength - 4} after it`);
    }
    const header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(4, 4 + headerLength))) as unknown;
    if (header === null || typeof header !== 'object' || !('buffers' in header) || !('message' in header)) {
      return err('invalid_arguments', 'binary frame header must be { buffers, message }');
    }
    const lengths = (header as { buffers: unknown }).buffers;
    if (!Array.isArray(lengths) || lengths.some((n) => typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)) {
      return err('invalid_arguments', 'binary frame header: buffers must be a list of byte lengths');
    }
    const buffers: Uint8Array[] = [];
    let at = alignUp(4 + headerLength);
    for (let i = 0; i < lengths.length; i++) {
      const end = at + (lengths[i] as number);
      if (end > frame.byteLength) return err('invalid_arguments', `binary frame: buffer ${i} (${lengths[i]} bytes) runs past the end of the frame`);
      buffers.push(frame.subarray(at, end));
      at = i === lengths.length - 1 ? end : alignUp(end);
    }
    if (lengths.length > 0 && at !== frame.byteLength) {
      return err('invalid_arguments', `binary frame: ${frame.byteLength - at} bytes after the last buffer`);
    }
    return ok(restoreBuffers((header as { message: unknown }).message, buffers, 'message'));
  } catch (e) {
    // JSON.parse, TextDecoder and restoreBuffers report a bad frame by throwing; here that becomes a value.
    return err('invalid_arguments', `malformed frame: ${e instanceof Error ? e.message : String(e)}`);
  }
}
