import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { importIntoCatalog } from '../core/catalog/import';
import { createSocketApi } from '../core/contract/socket-client';
import { writePhantomSeries } from '../core/fixtures/phantom';
import { cookieNameFor } from './auth';
import { startHost, type RunningHost } from './server';
import { MAX_MESSAGE_BYTES } from '../core/transport/frame';
import { rawRequest, sendRaw, tryWebSocket } from './test-client';

let tmp: string;
let host: RunningHost;
let cookie: string;
let origin: string;
let wsUrl: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-host-'));
  const rendererDir = path.join(tmp, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Vesalius</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(path.join(rendererDir, 'assets', 'codec.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(path.join(tmp, 'secret.txt'), 'TOP SECRET');
  symlinkSync(path.join(tmp, 'secret.txt'), path.join(rendererDir, 'assets', 'escape.txt'));
  host = await startHost({ port: 0, dataDir: null, rendererDir, cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
  cookie = `${cookieNameFor(host.port)}=${host.token}`;
  origin = `http://127.0.0.1:${host.port}`;
  wsUrl = `ws://127.0.0.1:${host.port}/api`;
});

afterAll(async () => {
  await host?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const authed = (extra: Record<string, string> = {}) => ({ Cookie: cookie, ...extra });
const connectAuthed = (url: string) => new WebSocket(url, { origin, headers: { Cookie: cookie } });

describe('browser-mode host: HTTP', () => {
  it('listens on 127.0.0.1 only and prints a URL with a 32-byte token', async () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(Buffer.from(host.token, 'base64url')).toHaveLength(32);
    expect(host.address).toBe('127.0.0.1');
    // Any non-loopback address of this machine must refuse the connection.
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect(host.port, external.address);
        socket.once('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    }
  });

  it('answers 403 to every request without the token', async () => {
    for (const p of ['/', '/index.html', '/assets/app.js', '/dicom/anything']) {
      const response = await rawRequest(host.port, p);
      expect(response.status, p).toBe(403);
      expect(response.body.toString(), p).not.toContain('<title>');
    }
  });

  it('refuses a wrong token and a wrong bearer', async () => {
    const wrong = await rawRequest(host.port, '/?token=not-the-token');
    expect(wrong.status).toBe(403);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect((await rawRequest(host.port, '/', { Authorization: 'Bearer nope' })).status).toBe(403);
    expect((await rawRequest(host.port, '/', { Cookie: `${cookieNameFor(host.port)}=nope` })).status).toBe(403);
    // The cookie of a host on another port is not ours.
    expect((await rawRequest(host.port, '/', { Cookie: `${cookieNameFor(host.port + 1)}=${host.token}` })).status).toBe(403);
  });

  it('trades the token URL for an HttpOnly SameSite=Strict cookie and a redirect to /', async () => {
    const response = await rawRequest(host.port, `/?token=${host.token}`);
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/');
    const [setCookie] = response.headers['set-cookie'] ?? [];
    expect(setCookie).toContain(`${cookieNameFor(host.port)}=${host.token}`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
  });

  it('serves the renderer with the cookie or a bearer token, with CSP and nosniff', async () => {
    const page = await rawRequest(host.port, '/', authed());
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body.toString()).toContain('<title>Vesalius</title>');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        `connect-src 'self' ws://127.0.0.1:${host.port} ws://localhost:${host.port}; worker-src 'self' blob:; object-src 'none'; ` +
        "base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    );
    const bearer = await rawRequest(host.port, '/assets/app.js', { Authorization: `Bearer ${host.token}` });
    expect(bearer.status).toBe(200);
    expect(bearer.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('serves .wasm as application/wasm', async () => {
    const response = await rawRequest(host.port, '/assets/codec.wasm', authed());
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/wasm');
    expect([...response.body]).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  });

  it('blocks directory traversal, raw or encoded, and symlinks out of the root', async () => {
    for (const p of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/assets/escape.txt',
      '/assets/%00',
      '/%E0%A4%A',
    ]) {
      const response = await rawRequest(host.port, p, authed());
      expect([400, 404], p).toContain(response.status);
      expect(response.body.toString(), p).not.toContain('TOP SECRET');
    }
  });

  it('rejects a foreign Host header (DNS rebinding) even with the token', async () => {
    for (const hostHeader of ['evil.example', `evil.example:${host.port}`, `127.0.0.1:${host.port + 1}`, `127.0.0.1.evil.example:${host.port}`]) {
      const response = await rawRequest(host.port, '/', authed({ Host: hostHeader }));
      expect(response.status, hostHeader).toBe(403);
    }
    const viaLocalhost = await rawRequest(host.port, '/', authed({ Host: `localhost:${host.port}` }));
    expect(viaLocalhost.status).toBe(200);
  });

  it('allows only GET and HEAD', async () => {
    expect((await rawRequest(host.port, '/', authed(), 'POST')).status).toBe(405);
    const head = await rawRequest(host.port, '/', authed(), 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toHaveLength(0);
  });

  it('serves /dicom/<fileKey> only for keys of present catalog files, as application/dicom', async () => {
    const [filePath] = await writePhantomSeries(path.join(tmp, 'series'), { slices: 1, rows: 8, columns: 8 });
    await importIntoCatalog(host.service.catalog, [filePath]);
    const instance = host.service.catalog.studies().studies.flatMap((s) => host.service.catalog.study(s.studyKey)?.patient.studies ?? [])[0]
      ?.series[0]?.instances[0];
    if (!instance) throw new Error('the imported slice is not in the catalog');
    const fileKey = instance.fileKey;
    const served = await rawRequest(host.port, `/dicom/${fileKey}`, authed());
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('application/dicom');
    expect(served.body.equals(readFileSync(filePath))).toBe(true);
    expect((await rawRequest(host.port, `/dicom/${fileKey}`)).status).toBe(403);
    expect((await rawRequest(host.port, '/dicom/not-a-key', authed())).status).toBe(404);
    expect((await rawRequest(host.port, `/dicom/${encodeURIComponent(filePath)}`, authed())).status).toBe(404);
    expect((await rawRequest(host.port, '/dicom/..%2fsecret.txt', authed())).status).toBe(404);
    // Gone at the next import: the key no longer resolves.
    rmSync(filePath);
    await importIntoCatalog(host.service.catalog, [path.dirname(filePath)]);
    expect((await rawRequest(host.port, `/dicom/${fileKey}`, authed())).status).toBe(404);
  });
});

describe('browser-mode host: WebSocket API', () => {
  it('refuses upgrades without the cookie, from another origin, with no origin, or on another path', async () => {
    const noCookie = await tryWebSocket(wsUrl, { origin });
    expect(noCookie.status).toBe(403);
    const wrongOrigin = await tryWebSocket(wsUrl, { origin: 'http://evil.example', headers: { Cookie: cookie } });
    expect(wrongOrigin.status).toBe(403);
    const otherPort = await tryWebSocket(wsUrl, { origin: `http://127.0.0.1:${host.port + 1}`, headers: { Cookie: cookie } });
    expect(otherPort.status).toBe(403);
    const noOrigin = await tryWebSocket(wsUrl, { headers: { Cookie: cookie } });
    expect(noOrigin.status).toBe(403);
    const wrongPath = await tryWebSocket(`ws://127.0.0.1:${host.port}/other`, { origin, headers: { Cookie: cookie } });
    expect(wrongPath.status).toBe(404);
    const badHost = await tryWebSocket(wsUrl, { origin, headers: { Cookie: cookie, Host: 'evil.example' } });
    expect(badHost.status).toBe(403);
  });

  it('runs real calls through createSocketApi', async () => {
    const api = await createSocketApi(wsUrl, { connect: connectAuthed });
    const info = await api['app.info']({});
    expect(info).toEqual({
      ok: true,
      value: { name: 'Vesalius', version: expect.any(String), transport: 'browser', dataDir: null, samples: { phantom: true, realCt: false } },
    });
    // No native picker in a browser.
    expect(await api['app.pickPaths']({ kind: 'folder' })).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    // The real CT sample needs the data directory.
    const realCt = await api['dicom.openSample']({ sample: 'real-ct' });
    expect(realCt).toMatchObject({ ok: false, error: { code: 'not_found' } });
    if (!realCt.ok) expect(realCt.error.message).toMatch(/data directory/);
  });

  it('answers invalid arguments with an invalid_arguments value', async () => {
    const api = await createSocketApi(wsUrl, { connect: connectAuthed });
    const result = await api['app.pickPaths']({ kind: 'everything' as 'files' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    if (!result.ok) expect(result.error.message).toContain('app.pickPaths: kind');
  });

  it('answers unknown calls and malformed messages with error values and keeps serving', async () => {
    const { socket } = await tryWebSocket(wsUrl, { origin, headers: { Cookie: cookie } });
    if (!socket) throw new Error('authorised upgrade was refused');
    try {
      expect(await sendRaw(socket, JSON.stringify({ id: 1, call: 'nope.nothing', args: {} }))).toMatchObject({
        id: 1,
        result: { ok: false, error: { code: 'unknown_call' } },
      });
      expect(await sendRaw(socket, JSON.stringify({ id: 2, call: { toString: 1 }, args: {} }))).toMatchObject({
        id: 2,
        result: { ok: false, error: { code: 'unknown_call' } },
      });
      for (const garbage of ['{not json', '[]', '42', 'null', JSON.stringify({ call: 'app.info' }), JSON.stringify({ id: -1, call: 'app.info' })]) {
        expect(await sendRaw(socket, garbage), garbage).toMatchObject({ id: null, result: { ok: false, error: { code: 'invalid_arguments' } } });
      }
      expect(await sendRaw(socket, Buffer.from([1, 2, 3]))).toMatchObject({ id: null, result: { ok: false } });
      expect(await sendRaw(socket, JSON.stringify({ id: 3, call: 'app.info', args: {} }))).toMatchObject({ id: 3, result: { ok: true } });
    } finally {
      socket.close();
    }
  });

  it('closes a socket that sends an oversized message, and the host lives on', async () => {
    const { socket } = await tryWebSocket(wsUrl, { origin, headers: { Cookie: cookie } });
    if (!socket) throw new Error('authorised upgrade was refused');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('error', () => {});
    socket.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    expect(await closed).toBe(1009);
    const api = await createSocketApi(wsUrl, { connect: connectAuthed });
    expect(await api['app.info']({})).toMatchObject({ ok: true });
  });

  it('resolves calls to io_error once the host is gone', async () => {
    const second = await startHost({ port: 0, dataDir: null, rendererDir: path.join(tmp, 'renderer'), cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
    const api = await createSocketApi(`ws://127.0.0.1:${second.port}/api`, {
      connect: (url) =>
        new WebSocket(url, { origin: `http://127.0.0.1:${second.port}`, headers: { Cookie: `${cookieNameFor(second.port)}=${second.token}` } }),
    });
    expect(await api['app.info']({})).toMatchObject({ ok: true });
    await second.close();
    await expect.poll(() => api['app.info']({})).toMatchObject({ ok: false, error: { code: 'io_error' } });
  });
});
