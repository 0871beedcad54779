import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./test/fake-electron'));

import { handleAppProtocol, registerAppScheme, serveAppRequest, type AppProtocolDeps } from './protocol';
import { protocol } from './test/fake-electron';

let tmp: string;
let deps: AppProtocolDeps;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-protocol-'));
  const rendererDir = path.join(tmp, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Vesalius</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'codec.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(path.join(tmp, 'secret.txt'), 'outside the renderer');
  symlinkSync(path.join(tmp, 'secret.txt'), path.join(rendererDir, 'assets', 'link.txt'));
  writeFileSync(path.join(tmp, 'scan.dcm'), Buffer.from('DICM-bytes'));
  deps = {
    rendererDir,
    resolveFileKey: (key) => (key === 'key-1' ? path.join(tmp, 'scan.dcm') : undefined),
  };
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => serveAppRequest(new Request(url, { method }), deps);

describe('the vesalius:// protocol', () => {
  it('registers the scheme as standard, secure, fetch-able, CORS-enabled and streamable', () => {
    registerAppScheme();
    expect(protocol.privileged).toContainEqual({
      scheme: 'vesalius',
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true },
    });
  });

  it('routes the scheme to serveAppRequest', async () => {
    handleAppProtocol(deps);
    const handler = protocol.handlers.get('vesalius');
    const response = await handler?.(new Request('vesalius://app/index.html'));
    expect(await response?.text()).toContain('<title>Vesalius</title>');
  });

  it('serves index.html with CSP, nosniff and the HTML type', async () => {
    const response = get('vesalius://app/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await response.text()).toContain('<title>Vesalius</title>');
  });

  it('serves .wasm as application/wasm', async () => {
    const response = get('vesalius://app/assets/codec.wasm');
    expect(response.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d]));
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const url of [
      'vesalius://app/../secret.txt',
      'vesalius://app/%2e%2e/secret.txt',
      'vesalius://app/assets/..%2f..%2fsecret.txt',
      'vesalius://app/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'vesalius://app/assets/link.txt',
      'vesalius://app/assets/..%5c..%5csecret.txt',
      'vesalius://app/%00index.html',
      'vesalius://app/assets',
    ]) {
      const response = get(url);
      expect(response.status, url).toBe(404);
      expect(await response.text(), url).not.toContain('outside the renderer');
    }
  });

  it('serves /dicom/<fileKey> only for registered keys', async () => {
    const response = get('vesalius://app/dicom/key-1');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/dicom');
    expect(await response.text()).toBe('DICM-bytes');
    expect(get('vesalius://app/dicom/unknown').status).toBe(404);
    expect(get('vesalius://app/dicom/..%2fscan.dcm').status).toBe(404);
  });

  it('answers HEAD without a body and refuses other methods and hosts', async () => {
    const head = get('vesalius://app/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(get('vesalius://app/index.html', 'POST').status).toBe(405);
    expect(get('vesalius://elsewhere/index.html').status).toBe(404);
  });
});
