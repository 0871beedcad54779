import { describe, expect, it, vi } from 'vitest';
import { dispatch } from './dispatch';
import { callNames, type Handlers } from './index';
import { ok } from './result';

type Ctx = { caller: string };

/** Handlers for every call that record what they got; `override` replaces some. */
function makeHandlers(override: Partial<Record<string, (args: unknown, ctx: Ctx) => Promise<unknown>>> = {}) {
  const seen: { name: string; args: unknown; ctx: Ctx }[] = [];
  const handlers = Object.fromEntries(
    callNames.map((name) => [
      name,
      override[name] ??
        (async (args: unknown, ctx: Ctx) => {
          seen.push({ name, args, ctx });
          return ok({ from: name });
        }),
    ]),
  ) as unknown as Handlers<Ctx>;
  return { handlers, seen };
}

const ctx: Ctx = { caller: 'test' };

describe('dispatch', () => {
  it('runs the named handler with validated arguments and the context', async () => {
    const { handlers, seen } = makeHandlers();
    const result = await dispatch(handlers, 'jobs.status', { jobId: 'job_1' }, ctx);
    expect(result).toEqual({ ok: true, value: { from: 'jobs.status' } });
    expect(seen).toEqual([{ name: 'jobs.status', args: { jobId: 'job_1' }, ctx }]);
  });

  it('treats missing arguments as an empty object', async () => {
    const { handlers } = makeHandlers();
    expect(await dispatch(handlers, 'app.info', undefined, ctx)).toMatchObject({ ok: true });
    expect(await dispatch(handlers, 'app.info', null, ctx)).toMatchObject({ ok: true });
  });

  it('answers unknown_call for names outside the contract, including prototype keys and non-strings', async () => {
    const { handlers, seen } = makeHandlers();
    for (const name of ['nope', 'app.infoo', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 42, null, undefined, { call: 'app.info' }]) {
      const result = await dispatch(handlers, name, {}, ctx);
      expect(result, String(name)).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    }
    expect(seen).toHaveLength(0);
  });

  it('describes hostile non-string names without throwing', async () => {
    const { handlers } = makeHandlers();
    const hostile = JSON.parse('{"toString": 1, "valueOf": 2}') as unknown;
    expect(await dispatch(handlers, hostile, {}, ctx)).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    expect(await dispatch(handlers, Object.create(null), {}, ctx)).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
  });

  it('cuts a huge unknown name short in the message', async () => {
    const { handlers } = makeHandlers();
    const result = await dispatch(handlers, 'x'.repeat(10_000), {}, ctx);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message.length).toBeLessThan(200);
  });

  it('answers invalid_arguments naming the call and the field, without running the handler', async () => {
    const { handlers, seen } = makeHandlers();
    const wrongType = await dispatch(handlers, 'dicom.startImport', { paths: 'not-an-array' }, ctx);
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    if (!wrongType.ok) expect(wrongType.error.message).toMatch(/^dicom\.startImport: paths:/);

    const extraKey = await dispatch(handlers, 'app.info', { extra: 1 }, ctx);
    expect(extraKey).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });

    const badJobId = await dispatch(handlers, 'jobs.cancel', { jobId: '../../etc/passwd' }, ctx);
    expect(badJobId).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });

    const notObject = await dispatch(handlers, 'app.pickPaths', 'folder', ctx);
    expect(notObject).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    if (!notObject.ok) expect(notObject.error.message).toContain('(arguments)');

    const nulInPath = await dispatch(handlers, 'dicom.startImport', { paths: ['/tmp/a\0b'] }, ctx);
    expect(nulInPath).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    expect(seen).toHaveLength(0);
  });

  it('turns a throwing handler into an internal error value naming the call', async () => {
    const { handlers } = makeHandlers({
      'app.info': async () => {
        throw new Error('disk on fire');
      },
    });
    expect(await dispatch(handlers, 'app.info', {}, ctx)).toEqual({
      ok: false,
      error: { code: 'internal', message: 'app.info failed: disk on fire' },
    });
  });

  it('turns a missing handler into an internal error value, not a crash', async () => {
    const { handlers } = makeHandlers();
    const partial = { ...handlers } as Record<string, unknown>;
    delete partial['app.info'];
    const result = await dispatch(partial as unknown as Handlers<Ctx>, 'app.info', {}, ctx);
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
    if (!result.ok) expect(result.error.message).toContain('app.info');
  });

  it('passes handler error values through unchanged', async () => {
    const failing = vi.fn(async () => ({ ok: false, error: { code: 'not_found', message: 'no such job' } }));
    const { handlers } = makeHandlers({ 'jobs.status': failing });
    expect(await dispatch(handlers, 'jobs.status', { jobId: 'j' }, ctx)).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'no such job' },
    });
  });

  it('answers arguments whose check throws (a throwing getter) with invalid_arguments, not a throw', async () => {
    const { handlers, seen } = makeHandlers();
    const hostile = {
      get jobId(): string {
        throw new Error('getter exploded');
      },
    };
    const result = await dispatch(handlers, 'jobs.status', hostile, ctx);
    expect(result).toEqual({ ok: false, error: { code: 'invalid_arguments', message: 'jobs.status: the arguments could not be checked: getter exploded' } });
    const deep: unknown[] = [];
    let inner = deep;
    for (let i = 0; i < 100_000; i++) inner = (inner[0] = []) as unknown[];
    const nested = await dispatch(handlers, 'dicom.startImport', { paths: deep }, ctx);
    expect(nested).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    expect(seen).toHaveLength(0);
  });
});

describe('dispatch with large images', () => {
  const MB = 1024 * 1024;
  const image = (width: number, height: number, pixels: Int16Array | Float32Array, dtype: 'int16' | 'float32') => ({
    kind: 'hu' as const,
    width,
    height,
    dtype,
    pixels,
  });

  it('answers a 20 MB image that does not fit its size with an invalid_arguments value, not a throw', async () => {
    const { handlers, seen } = makeHandlers();
    const pixels = new Float32Array((20 * MB) / 4); // 20 MB, but a 4096×4096 float32 image has 64 MB
    const result = await dispatch(handlers, 'assistant.caption', { image: image(4096, 4096, pixels, 'float32') }, ctx);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    if (!result.ok) expect(result.error.message).toContain('assistant.caption: image.pixels: holds 5242880 values but a 4096×4096 hu image has 16777216');
    // The old form, 20 MB of base64 text, is refused by type (the regex that overflowed the stack is gone).
    const base64 = await dispatch(handlers, 'assistant.caption', { image: { ...image(4096, 2560, pixels, 'int16'), pixels: 'A'.repeat(20 * MB) } }, ctx);
    expect(base64).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    expect(seen).toHaveLength(0);
  });

  it('passes a valid 20 MB image (4096×2560 int16) and the largest one (4096×4096 float32) to the handler as they are', async () => {
    const { handlers, seen } = makeHandlers();
    const pixels = new Int16Array(4096 * 2560);
    expect(pixels.byteLength).toBe(20 * MB);
    expect(await dispatch(handlers, 'assistant.caption', { image: image(4096, 2560, pixels, 'int16') }, ctx)).toEqual({ ok: true, value: { from: 'assistant.caption' } });
    const largest = new Float32Array(4096 * 4096);
    expect(await dispatch(handlers, 'assistant.segment', { image: image(4096, 4096, largest, 'float32'), prompt: 'lung' }, ctx)).toMatchObject({ ok: true });
    expect((seen[0].args as { image: { pixels: unknown } }).image.pixels).toBe(pixels);
    expect((seen[1].args as { image: { pixels: unknown } }).image.pixels).toBe(largest);
  });
});
