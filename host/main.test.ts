import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../core/config/data-dir';
import { parseHostFlags } from './cli-flags';
import { rawRequest } from './test-client';

const tsxCli = path.join(projectRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');

describe('parseHostFlags', () => {
  it('reads --port, --data-dir and --no-open', () => {
    expect(parseHostFlags([])).toEqual({ port: 0, dataDir: null, open: true, help: false });
    expect(parseHostFlags(['--port', '8123', '--data-dir', '/data', '--no-open'])).toEqual({
      port: 8123,
      dataDir: '/data',
      open: false,
      help: false,
    });
  });

  it('names the bad flag', () => {
    expect(() => parseHostFlags(['--port', 'eighty'])).toThrow(/--port/);
    expect(() => parseHostFlags(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseHostFlags(['--bind', '0.0.0.0'])).toThrow(/bind/);
  });
});

describe('npm run web (host/main.ts)', () => {
  it('prints the tokened URL, serves it, and exits cleanly on SIGTERM', async () => {
    // A fresh home: the host must never touch the user's own catalog.
    const home = mkdtempSync(path.join(os.tmpdir(), 'vesalius-host-main-'));
    const child = spawn(process.execPath, [tsxCli, path.join(projectRoot, 'host', 'main.ts'), '--port', '0', '--no-open'], {
      cwd: projectRoot,
      env: { ...process.env, VESALIUS_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<URL>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /Vesalius \(browser mode\): (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43})\n/.exec(stdout);
          if (match) resolve(new URL(match[1]));
        });
        void exited.then((code) => reject(new Error(`host exited (${code}) before printing its URL: ${stderr}`)));
      });
      const port = Number(url.port);
      expect((await rawRequest(port, `/?token=${url.searchParams.get('token')}`)).status).toBe(302);
      expect((await rawRequest(port, '/')).status).toBe(403);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('SIGTERM: shutting down');
      expect(existsSync(path.join(home, 'catalog.db'))).toBe(true);
    } finally {
      child.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  });
});
