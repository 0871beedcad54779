import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, MAX_MESSAGE_BYTES } from './frame';

const valueOf = <T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!result.ok) throw new Error(`expected ok, got: ${result.error.message}`);
  return result.value;
};
const errorOf = (result: { ok: boolean; error?: { code: string; message: string } }) => {
  if (result.ok || !result.error) throw new Error('expected an error value');
  return result.error;
};

/** A binary frame built by hand: header JSON (or its text), then each buffer at the next multiple of 8. */
function handFrame(header: unknown, buffers: Uint8Array[] = [], headerOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  let size = Math.ceil((4 + json.length) / 8) * 8;
  const offsets = buffers.map((b, i) => {
    const at = size;
    size = i === buffers.length - 1 ? at + b.length : Math.ceil((at + b.length) / 8) * 8;
    return at;
  });
  const frame = new Uint8Array(Math.max(size, 4 + json.length));
  new DataView(frame.buffer).setUint32(0, headerOverride ?? json.length, true);
  frame.set(json, 4);
  buffers.forEach((b, i) => frame.set(b, offsets[i]));
  return frame;
}

describe('socket frames', () => {
  it('sends a message without typed arrays as JSON text', () => {
    const frame = valueOf(encodeFrame({ id: 1, call: 'app.info', args: {} }));
    expect(frame).toBe('{"id":1,"call":"app.info","args":{}}');
    expect(valueOf(decodeFrame(frame))).toEqual({ id: 1, call: 'app.info', args: {} });
  });

  it('round-trips typed arrays of every type, nested anywhere, as aligned copies', () => {
    const u8 = Uint8Array.from([1, 2, 3]);
    const i16 = Int16Array.from([-1024, 3071, 0]);
    const f32 = Float32Array.from([0.5, -2.25]);
    const f64 = Float64Array.from([Math.PI]);
    const message = {
      id: 7,
      result: { ok: true, value: { labels: u8, nested: [{ pixels: i16 }, f32], more: { f64, u16: Uint16Array.from([65535]) } } },
      others: [Int8Array.from([-5]), Uint32Array.from([4e9]), Int32Array.from([-2e9])],
    };
    const frame = valueOf(encodeFrame(message));
    expect(frame).toBeInstanceOf(Uint8Array);
    const decoded = valueOf(decodeFrame(frame)) as typeof message;
    expect(decoded).toEqual(message);
    expect(decoded.result.value.nested[0]).toEqual({ pixels: i16 });
    expect((decoded.result.value.nested[0] as { pixels: Int16Array }).pixels).toBeInstanceOf(Int16Array);
    expect(decoded.result.value.more.f64).toBeInstanceOf(Float64Array);
    expect(decoded.others[1]).toBeInstanceOf(Uint32Array);
    // Each buffer starts on an 8-byte boundary of the frame.
    const bytes = frame as Uint8Array;
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))).buffers).toEqual([3, 6, 8, 8, 2, 1, 4, 4]);
  });

  it('carries only the bytes a view covers, decodes from a Buffer at any offset, and reads a Buffer as a Uint8Array', () => {
    const whole = Uint16Array.from([9, 8, 7, 6, 5]);
    const view = whole.subarray(1, 3);
    const frame = valueOf(encodeFrame({ view, buffer: Buffer.from([4, 5]) })) as Uint8Array;
    // A Buffer whose bytes sit at an odd offset of a bigger allocation, as ws may hand one over.
    const pool = Buffer.alloc(frame.length + 3);
    pool.set(frame, 3);
    const decoded = valueOf(decodeFrame(pool.subarray(3))) as { view: Uint16Array; buffer: Uint8Array };
    expect(decoded.view).toEqual(Uint16Array.from([8, 7]));
    expect(decoded.buffer).toEqual(Uint8Array.from([4, 5]));
    expect(Object.getPrototypeOf(decoded.buffer)).toBe(Uint8Array.prototype);
    expect(valueOf(decodeFrame(frame.slice().buffer))).toEqual(decoded);
  });

  it('refuses what it cannot carry as an error value: reserved key, other binary types, cycles, size', () => {
    expect(errorOf(encodeFrame({ a: { $bytes: 0 } })).message).toContain('$bytes is reserved');
    expect(errorOf(encodeFrame({ a: new DataView(new ArrayBuffer(2)) })).message).toContain('DataView cannot be sent');
    expect(errorOf(encodeFrame({ a: new ArrayBuffer(2) })).message).toContain('ArrayBuffer cannot be sent');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errorOf(encodeFrame(cyclic)).code).toBe('internal');
    expect(errorOf(encodeFrame({ big: new Uint8Array(100) }, 64))).toMatchObject({ code: 'invalid_arguments', message: expect.stringContaining('over the 64-byte limit') });
    expect(errorOf(encodeFrame({ text: 'x'.repeat(100) }, 64)).message).toContain('over the 64-byte limit');
    expect(MAX_MESSAGE_BYTES).toBeGreaterThan(4096 * 4096 * 4);
  });

  it('answers every malformed frame with an error value saying what is wrong', () => {
    const bad: [string | Uint8Array, RegExp][] = [
      ['{not json', /malformed frame/],
      [new Uint8Array([1, 0]), /no header length/],
      [handFrame({ buffers: [], message: 1 }, [], 1000), /header says 1000 bytes/],
      [handFrame([1, 2]), /must be \{ buffers, message \}/],
      [handFrame({ buffers: [-1], message: 1 }), /list of byte lengths/],
      [handFrame({ buffers: [16], message: 1 }, [new Uint8Array(4)]), /runs past the end/],
      [handFrame({ buffers: [4], message: { $bytes: 1, type: 'Uint8Array' } }, [new Uint8Array(4)]), /buffer index below 1/],
      [handFrame({ buffers: [4], message: { $bytes: 0, type: 'Function' } }, [new Uint8Array(4)]), /not a typed array type/],
      [handFrame({ buffers: [3], message: { $bytes: 0, type: 'Uint16Array' } }, [new Uint8Array(3)]), /not a whole number of Uint16Array/],
      [handFrame({ buffers: [4], message: { $bytes: 0, type: 'Uint8Array', extra: 1 } }, [new Uint8Array(4)]), /placeholder needs/],
      [Uint8Array.from([...handFrame({ buffers: [2], message: 0 }, [new Uint8Array(2)]), 0, 0]), /2 bytes after the last buffer/],
    ];
    for (const [frame, reason] of bad) {
      const decoded = decodeFrame(frame);
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) {
        expect(decoded.error.code).toBe('invalid_arguments');
        expect(decoded.error.message).toMatch(reason);
      }
    }
    // Invalid UTF-8 in the header and a frame over the limit.
    const latin = handFrame({ buffers: [], message: 'x' });
    latin[5] = 0xff;
    expect(errorOf(decodeFrame(latin)).message).toContain('malformed frame');
    expect(errorOf(decodeFrame(new Uint8Array(100), 64)).message).toContain('over the 64-byte limit');
    // Nesting deep enough to exhaust the stack is still a value.
    const deep = handFrame(`{"buffers":[1],"message":${'['.repeat(200_000)}${']'.repeat(200_000)}}`, [new Uint8Array(1)]);
    expect(decodeFrame(deep).ok).toBe(false);
  });
});
