import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { callNames } from './index';
import { createSocketApi, type SocketRequest } from './socket-client';

/** A bare socket server whose answers each test scripts; no host, no services. */
async function scriptedServer(onRequest: (request: SocketRequest, reply: (text: string) => void, socket: WebSocket) => void) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const received: SocketRequest[] = [];
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const request = JSON.parse(data.toString()) as SocketRequest;
      received.push(request);
      onRequest(request, (text) => socket.send(text), socket);
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
  it('has exactly one function per contract call', async () => {
    const { wss, url } = await scriptedServer(() => {});
    servers.push(wss);
    const api = await createSocketApi(url, { connect: connectWithWs });
    expect(Object.keys(api).sort()).toEqual([...callNames].sort());
    for (const name of callNames) expect(typeof api[name]).toBe('function');
  });

  it('sends { id, call, args } and matches answers by id, in any order', async () => {
    const held: { request: SocketRequest; reply: (text: string) => void }[] = [];
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
    const [info, status] = await Promise.all([api['app.info']({}), api['dicom.importStatus']({ jobId: 'job-7' })]);
    expect(info).toEqual({ ok: true, value: { echo: 'app.info' } });
    expect(status).toEqual({ ok: true, value: { echo: 'dicom.importStatus' } });
    expect(received.map((r) => r.call).sort()).toEqual(['app.info', 'dicom.importStatus']);
    expect(received.find((r) => r.call === 'dicom.importStatus')?.args).toEqual({ jobId: 'job-7' });
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
    const api = await createSocketApi(url, { connect: connectWithWs });
    expect(await api['app.info']({})).toEqual({ ok: true, value: 'right' });
  });

  it('resolves pending calls to io_error when the socket closes, and later calls too', async () => {
    const { wss, url } = await scriptedServer((_request, _reply, socket) => {
      // Never answer; drop the connection instead.
      setTimeout(() => socket.terminate(), 10);
    });
    servers.push(wss);
    const api = await createSocketApi(url, { connect: connectWithWs });
    const pending = await api['dicom.importStatus']({ jobId: 'job-1' });
    expect(pending).toMatchObject({ ok: false, error: { code: 'io_error' } });
    if (!pending.ok) expect(pending.error.message).toContain('dicom.importStatus');
    expect(await api['app.info']({})).toMatchObject({ ok: false, error: { code: 'io_error' } });
  });

  it('rejects when the socket cannot open', async () => {
    const { wss, url } = await scriptedServer(() => {});
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await expect(createSocketApi(url, { connect: connectWithWs })).rejects.toThrow(/could not connect/);
  });
});
