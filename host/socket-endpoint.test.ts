// The socket transport on its own: binary frames both ways and events pushed to every authorised connection.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { EventPayload } from '../core/contract/events';
import { createSocketApi } from '../core/contract/socket-client';
import type { Handlers } from '../core/contract/index';
import { maskSetIdSchema } from '../core/contract/masks';
import { ok } from '../core/contract/result';
import type { CallContext } from '../core/services/context';
import { EventBus } from '../core/transport/event-bus';
import { encodeFrame } from '../core/transport/frame';
import { recordingHandlers } from '../core/transport/test-handlers';
import { cookieNameFor } from './auth';
import { startHost } from './server';
import { createSocketEndpoint } from './socket-endpoint';
import { decodeReply, sendRaw, tryWebSocket } from './test-client';

const token = 'test-token';
let server: Server;
let endpoint: ReturnType<typeof createSocketEndpoint>;
let port = 0;
const events = new EventBus();
const { handlers, calls } = recordingHandlers();
const segmentMask = Uint8Array.from([0, 1, 1, 0, 1, 0]);
// Any id the contract takes (its pattern belongs to the annotation store).
const maskSetId = ['seg-0123456789abcdef', 'mask-1'].find((id) => maskSetIdSchema.safeParse(id).success) ?? 'seg-0123456789abcdef';

beforeAll(async () => {
  const all = handlers as Handlers<CallContext>;
  // A segmentation answer with a binary mask, and the mask data of a 16-bit label map.
  all['assistant.segment'] = async () => ok({ width: 3, height: 2, mask: segmentMask, present: true, model: 'fake', ms: 1 });
  all['masks.data'] = async ({ maskSetId }) =>
    ok({ maskSetId, shape: [2, 2, 1], zStart: 0, zCount: 1, dtype: 'uint16', labels: Uint16Array.from([0, 300, 65535, 7]) });
  endpoint = createSocketEndpoint({ port: () => port, token, handlers: all, events });
  server = createServer((_req, res) => res.end());
  server.on('upgrade', endpoint.handleUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await endpoint.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const wsUrl = () => `ws://127.0.0.1:${port}/api`;
const connect = (url: string) => new WebSocket(url, { origin: `http://127.0.0.1:${port}`, headers: { Cookie: `${cookieNameFor(port)}=${token}` } });
const progress = (jobId: string, done: number): EventPayload<'jobs.progress'> => ({ jobId, kind: 'import', state: 'running', done, total: 10, message: null });

describe('socket endpoint: binary payloads', () => {
  it('carries typed arrays as they are in a request (pixels) and in answers (masks)', async () => {
    const api = await createSocketApi(wsUrl(), { connect });
    const pixels = Int16Array.from({ length: 6 }, (_, i) => i * 100 - 1024);
    const image = { kind: 'hu' as const, width: 3, height: 2, slope: 1, intercept: -1024, dtype: 'int16' as const, pixels };
    const answer = await api['assistant.segment']({ image, prompt: 'lung' });
    expect(answer).toEqual({ ok: true, value: { width: 3, height: 2, mask: segmentMask, present: true, model: 'fake', ms: 1 } });
    if (answer.ok) expect(answer.value.mask).toBeInstanceOf(Uint8Array);
    // The handler got the validated arguments with the pixels as an Int16Array.
    const seen = calls.find((c) => c.name === 'assistant.caption' || c.name === 'assistant.segment');
    expect(seen).toBeUndefined(); // assistant.segment was replaced above, so it records nothing
    const caption = await api['assistant.caption']({ image });
    expect(caption.ok).toBe(true);
    const captioned = calls.find((c) => c.name === 'assistant.caption')?.args as { image: { pixels: unknown } };
    expect(captioned.image.pixels).toBeInstanceOf(Int16Array);
    expect(Array.from(captioned.image.pixels as Int16Array)).toEqual(Array.from(pixels));

    const data = await api['masks.data']({ maskSetId });
    if (!data.ok) throw new Error(data.error.message);
    expect(data.value.labels).toEqual(Uint16Array.from([0, 300, 65535, 7]));
  });

  it('answers a wrong-typed or wrong-sized image with invalid_arguments over the socket', async () => {
    const api = await createSocketApi(wsUrl(), { connect });
    const image = { kind: 'hu' as const, width: 3, height: 2, dtype: 'int16' as const, pixels: new Int16Array(5) };
    const answer = await api['assistant.caption']({ image });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    if (!answer.ok) expect(answer.error.message).toContain('image.pixels');
  });

  it('answers malformed binary frames with error values and keeps serving', async () => {
    const { socket } = await tryWebSocket(wsUrl(), { origin: `http://127.0.0.1:${port}`, headers: { Cookie: `${cookieNameFor(port)}=${token}` } });
    if (!socket) throw new Error('authorised upgrade was refused');
    try {
      const header = new Uint8Array(12);
      new DataView(header.buffer).setUint32(0, 9999, true);
      expect(await sendRaw(socket, header)).toMatchObject({ id: null, result: { ok: false, error: { code: 'invalid_arguments', message: expect.stringContaining('header says 9999') } } });
      const frame = encodeFrame({ id: 4, call: 'app.info', args: { extra: new Uint8Array(3) } });
      if (!frame.ok) throw new Error(frame.error.message);
      // A well-formed frame whose arguments the contract refuses (app.info takes none).
      expect(await sendRaw(socket, frame.value)).toMatchObject({ id: 4, result: { ok: false, error: { code: 'invalid_arguments' } } });
      expect(await sendRaw(socket, JSON.stringify({ id: 5, call: 'app.info', args: {} }))).toMatchObject({ id: 5, result: { ok: true } });
    } finally {
      socket.close();
    }
  });

  it('refuses a request over the message limit in the client, as a value, without sending it', async () => {
    const api = await createSocketApi(wsUrl(), { connect });
    const side = 4096;
    const pixels = new Float32Array(side * side + 300_000);
    const answer = await api['assistant.caption']({ image: { kind: 'hu', width: side, height: side, dtype: 'float32', pixels } });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_arguments', message: expect.stringContaining('assistant.caption: message is') } });
    expect(await api['app.info']({})).toMatchObject({ ok: true });
  });
});

describe('socket endpoint: events', () => {
  it('pushes each event to every connection, and the client routes it to that event’s listeners', async () => {
    const first = await createSocketApi(wsUrl(), { connect });
    const second = await createSocketApi(wsUrl(), { connect });
    const seen: string[] = [];
    const unsubscribe = first.on('jobs.progress', (p) => seen.push(`first ${p.jobId} ${p.done}`));
    second.on('jobs.progress', (p) => seen.push(`second ${p.jobId} ${p.done}`));
    second.on('catalog.changed', () => seen.push('second catalog'));
    events.emit('jobs.progress', progress('job-a', 3));
    events.emit('catalog.changed', {});
    await expect.poll(() => seen.length).toBe(3);
    expect(seen.sort()).toEqual(['first job-a 3', 'second catalog', 'second job-a 3']);
    unsubscribe();
    events.emit('jobs.progress', progress('job-a', 4));
    await expect.poll(() => seen.includes('second job-a 4')).toBe(true);
    expect(seen).not.toContain('first job-a 4');
  });

  it('sends events as { event, payload } and never to a refused upgrade', async () => {
    const { socket } = await tryWebSocket(wsUrl(), { origin: `http://127.0.0.1:${port}`, headers: { Cookie: `${cookieNameFor(port)}=${token}` } });
    const refused = await tryWebSocket(wsUrl(), { origin: `http://127.0.0.1:${port}`, headers: { Cookie: `${cookieNameFor(port)}=wrong` } });
    expect(refused).toEqual({ socket: null, status: 403 });
    if (!socket) throw new Error('authorised upgrade was refused');
    const next = new Promise<unknown>((resolve) => socket.once('message', (data, isBinary) => resolve(decodeReply(data, isBinary))));
    events.emit('store.changed', { seriesKey: '1.2.3' });
    expect(await next).toEqual({ event: 'store.changed', payload: { seriesKey: '1.2.3' } });
    socket.close();
  });

  it('refuses to listen to a name that is not a contract event', async () => {
    const api = await createSocketApi(wsUrl(), { connect });
    expect(() => api.on('ipc.anything' as 'catalog.changed', () => {})).toThrow(/not an event of the contract/);
  });

  it('drops (and reports) an event whose payload the contract refuses', async () => {
    const dropped: string[] = [];
    const api = await createSocketApi(wsUrl(), { connect, onDropped: (reason) => dropped.push(reason) });
    const seen: unknown[] = [];
    api.on('jobs.progress', (p) => seen.push(p));
    // Bypass the bus's own check to play a host that sends a bad payload.
    const { socket } = await tryWebSocket(wsUrl(), { origin: `http://127.0.0.1:${port}`, headers: { Cookie: `${cookieNameFor(port)}=${token}` } });
    socket?.close();
    (events as unknown as { anyListeners: Set<(n: string, p: unknown) => void> }).anyListeners.forEach((l) => l('jobs.progress', { jobId: '../x' }));
    await expect.poll(() => dropped.length).toBe(1);
    expect(dropped[0]).toContain('jobs.progress event whose payload the contract refuses');
    expect(seen).toEqual([]);
  });
});

describe('the real host: jobs.progress through the whole stack', () => {
  it('follows an import of the phantom sample by events to its end, then reads it with jobs.status', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-events-'));
    const host = await startHost({ port: 0, dataDir: null, rendererDir: tmp, cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
    try {
      const api = await createSocketApi(`ws://127.0.0.1:${host.port}/api`, {
        connect: (url) => new WebSocket(url, { origin: `http://127.0.0.1:${host.port}`, headers: { Cookie: `${cookieNameFor(host.port)}=${host.token}` } }),
      });
      const seen: EventPayload<'jobs.progress'>[] = [];
      api.on('jobs.progress', (p) => seen.push(p));
      const started = await api['dicom.openSample']({ sample: 'phantom' });
      if (!started.ok) throw new Error(started.error.message);
      const { jobId } = started.value;
      await expect.poll(() => seen.filter((p) => p.jobId === jobId).at(-1)?.state, { timeout: 30_000 }).toBe('done');
      const mine = seen.filter((p) => p.jobId === jobId);
      expect(mine[0]).toMatchObject({ kind: 'import', state: 'running' });
      expect(mine.at(-1)).toMatchObject({ kind: 'import', state: 'done', message: null });
      expect(mine.at(-1)?.total).toBeGreaterThan(0);
      const status = await api['jobs.status']({ jobId });
      expect(status).toMatchObject({ ok: true, value: { jobId, kind: 'import', state: 'done' } });
      if (status.ok) expect(status.value.result).not.toBeNull();
      expect(await api['jobs.cancel']({ jobId })).toEqual({ ok: true, value: { cancelled: false } });
      expect(await api['jobs.status']({ jobId: 'no-such-job' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    } finally {
      await host.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
