import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFixture } from '../render/render-fixtures';
import { encodePng } from '../render/png-output';
import { renderFrame } from '../render/render-frame';
import { ReaderSandbox } from './reader-sandbox';

// `vesalius render` decodes on a reader thread: the same PNG bytes as rendering in process, and the file's refusals.
describe('rendering on a reader thread', () => {
  let dir: string;
  const sandbox = new ReaderSandbox({ size: 1 });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vesalius-render-sandbox-'));
  });
  afterAll(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the PNG the in-process renderer gives, for every frame', async () => {
    const bytes = imageFixture({ rows: 2, columns: 3, bitsAllocated: 16, frames: [[0, 100, 200, 300, 400, 500], [500, 400, 300, 200, 100, 0]], extra: { WindowCenter: 250, WindowWidth: 500 } });
    const file = path.join(dir, 'two-frames.dcm');
    await writeFile(file, bytes);
    const rendered = await sandbox.renderFile(file, 'all');
    expect(rendered.ok).toBe(true);
    if (!rendered.ok) return;
    expect(rendered.numberOfFrames).toBe(2);
    for (const frame of [1, 2]) {
      const inProcess = await renderFrame(new Uint8Array(bytes), { frame });
      if (!inProcess.ok) throw new Error(inProcess.reason);
      const onThread = rendered.frames[frame - 1];
      expect(onThread.ok && Buffer.from(onThread.png).equals(Buffer.from(encodePng(inProcess.pixels, inProcess.width, inProcess.height, inProcess.channels)))).toBe(true);
      expect(onThread.ok && onThread.applied.window).toEqual(inProcess.applied.window);
    }
  });

  it('refuses a FIFO at once and a frame past the end by its number, without failing the thread', async () => {
    const fifo = path.join(dir, 'pipe.dcm');
    execFileSync('mkfifo', [fifo]);
    const refused = await sandbox.renderFile(fifo, 'all');
    expect(refused).toEqual({ ok: false, reason: 'is a FIFO (named pipe), not a regular file; only regular files are read as images' });

    const file = path.join(dir, 'one-frame.dcm');
    await writeFile(file, imageFixture({ rows: 1, columns: 2, bitsAllocated: 8, frames: [[0, 255]] }));
    const pastEnd = await sandbox.renderFile(file, [3]);
    expect(pastEnd.ok && pastEnd.frames[0]).toMatchObject({ frame: 3, ok: false, reason: expect.stringMatching(/frame 3/) });
    expect(sandbox.pool.starts).toBe(1);
  });
});
