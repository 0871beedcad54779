import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { decodeFrame, encodeFrame } from '../transport/frame';
import { callNames } from './index';
import { createSocketApi, type SocketRequest } from './socket-client';

/** A host message as the endpoint sends it: JSON text, or a binary frame when it holds typed arrays. */
const frameOf = (message: unknown): string | Uint8Array => {
  const frame = encodeFrame(message);
  if (!frame.ok) throw new Error(frame.error.message);
  return frame.value;
};
const decodeRequest = (data: RawData, isBinary: boolean): SocketRequest => {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  const decoded = decodeFrame(isBinary ? bytes : bytes.toString());
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value as SocketRequest;
};

/** A bare socket server whose answers each test scripts; no host, no services. */
async function scriptedServer(onRequest: (request: SocketRequest, reply: (data: string | Uint8Array) => void, socket: WebSocket) => void) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const received: SocketRequest[] = [];
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      const request = decodeRequest(data, isBinary);
      received.push(request);
      onRequest(request, (reply) => socket.send(reply), socket);
    });
  });
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/api`;
  return { wss, url, received };
}

const connectWithWs = (url: string) => new WebSocket(url);

let servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const wss of servers) {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
  servers = [];
});

describe('createSocketApi', () => {
  it('has exactly one function per contract call, and on', async () => {
    const { wss, url } = await scriptedServer(() => {});
    servers.push(wss);
    const api = await createSocketApi(url, { connect: connectWithWs });
    expect(Object.keys(api).sort()).toEqual([...callNames, 'on'].sort());
    for (const name of callNames) expect(typeof api[name]).toBe('function');
  });

  it('sends { id, call, args } and matches answers by id, in any order', async () => {
    const held: { request: SocketRequest; reply: (data: string | Uint8Array) => void }[] = [];
    const { wss, url, received } = await scriptedServer((request, reply) => {
      held.push({ request, reply });
      // Answer both once both have arrived, the second first.
      if (held.length === 2) {
        for (const { request: r, reply: send } of [...held].reverse()) {
          send(JSON.stringify({ id: r.id, result: { ok: true, value: { echo: r.call } } }));
        }
      }
    });
    servers.push(wss);
    const api = await createSocketApi(url, { connect: connectWithWs });
    const [info, status] = await Promise.all([api['app.info']({}), api['jobs.status']({ jobId: 'job-7' })]);
    expect(info).toEqual({ ok: true, value: { echo: 'app.info' } });
    expect(status).toEqual({ ok: true, value: { echo: 'jobs.status' } });
    expect(received.map((r) => r.call).sort()).toEqual(['app.info', 'jobs.status']);
    expect(received.find((r) => r.call === 'jobs.status')?.args).toEqual({ jobId: 'job-7' });
    expect(new Set(received.map((r) => r.id)).size).toBe(2);
  });

  it('ignores garbage and unknown ids instead of resolving the wrong call', async () => {
    const { wss, url } = await scriptedServer((request, reply) => {
      reply('not json');
      reply(JSON.stringify({ id: request.id + 1000, result: { ok: true, value: 'wrong' } }));
      reply(JSON.stringify({ id: request.id, result: { nonsense: true } }));
      reply(JSON.stringify({ id: request.id, result: { ok: true, value: 'right' } }));
    });
    servers.push(wss);
    const dropped: string[] = [];
    const api = await createSocketApi(url, { connect: connectWithWs, onDropped: (reason) => dropped.push(reason) });
    expect(await api['app.info']({})).toEqual({ ok: true, value: 'right' });
    // Each dropped message is reported with what was wrong with it.
    expect(dropped).toEqual([expect.stringContaining('malformed frame'), expect.stringContaining('no pending call'), expect.stringContaining('without { id, result }')]);
  });

  it('resolves pending calls to io_error when the socket closes, and later calls too', async () => {
    const { wss, url } = await scriptedServer((_request, _reply, socket) => {
      // Never answer; drop the connection instead.
      setTimeout(() => socket.terminate(), 10);
    });
    servers.push(wss);
    const api = await createSocketApi(url, { connect: connectWithWs });
    const pending = await api['jobs.status']({ jobId: 'job-1' });
    expect(pending).toMatchObject({ ok: false, error: { code: 'io_error' } });
    if (!pending.ok) expect(pending.error.message).toContain('jobs.status');
    expect(await api['app.info']({})).toMatchObject({ ok: false, error: { code: 'io_error' } });
  });

  it('rejects when the socket cannot open', async () => {
    const { wss, url } = await scriptedServer(() => {});
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await expect(createSocketApi(url, { connect: connectWithWs })).rejects.toThrow(/could not connect/);
  });

  it('sends typed-array arguments in a binary frame and reads typed arrays out of binary answers', async () => {
    const { wss, url, received } = await scriptedServer((request, reply) => {
      reply(frameOf({ id: request.id, result: { ok: true, value: { width: 2, height: 1, mask: Uint8Array.from([0, 1]), model: 'm', ms: 1 } } }));
    });
    servers.push(wss);
    const api = await createSocketApi(url, { connect: connectWithWs });
    const pixels = Float32Array.from([0.5, -1]);
    const answer = await api['assistant.segment']({ image: { kind: 'hu', width: 2, height: 1, dtype: 'float32', pixels }, prompt: 'lung' });
    expect(answer).toEqual({ ok: true, value: { width: 2, height: 1, mask: Uint8Array.from([0, 1]), model: 'm', ms: 1 } });
    const sent = received[0].args as { image: { pixels: unknown } };
    expect(sent.image.pixels).toBeInstanceOf(Float32Array);
    expect(sent.image.pixels).toEqual(pixels);
  });

  it('routes pushed events to the listeners of that event until they unsubscribe', async () => {
    let push: (data: string | Uint8Array) => void = () => {};
    const { wss, url } = await scriptedServer((request, reply) => {
      push = reply;
      reply(JSON.stringify({ id: request.id, result: { ok: true, value: null } }));
    });
    servers.push(wss);
    const dropped: string[] = [];
    const api = await createSocketApi(url, { connect: connectWithWs, onDropped: (reason) => dropped.push(reason) });
    await api['app.info']({});
    const progress: unknown[] = [];
    const changed: unknown[] = [];
    const stop = api.on('jobs.progress', (p) => progress.push(p));
    api.on('catalog.changed', (p) => changed.push(p));
    const payload = { jobId: 'job-1', kind: 'import', state: 'running', done: 1, total: 4, message: null };
    push(JSON.stringify({ event: 'jobs.progress', payload }));
    push(JSON.stringify({ event: 'catalog.changed', payload: {} }));
    push(JSON.stringify({ event: 'jobs.progress', payload: { ...payload, done: 'many' } }));
    push(JSON.stringify({ event: 'no.such.event', payload: {} }));
    await expect.poll(() => dropped.length).toBe(2);
    expect(progress).toEqual([payload]);
    expect(changed).toEqual([{}]);
    expect(dropped).toEqual([expect.stringContaining('jobs.progress event whose payload the contract refuses'), expect.stringContaining('unknown name no.such.event')]);
    stop();
    push(JSON.stringify({ event: 'jobs.progress', payload: { ...payload, done: 2 } }));
    push(JSON.stringify({ event: 'catalog.changed', payload: {} }));
    await expect.poll(() => changed.length).toBe(2);
    expect(progress).toHaveLength(1);
  });
});
