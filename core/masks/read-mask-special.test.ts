import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaskReadError } from './mask-error';
import { readNiftiLabelsFile } from './nifti';
import { readMaskFile } from './read-mask';

// POSIX special files; Windows has none of these to open.
describe.skipIf(process.platform === 'win32')('readMaskFile reads only regular files', () => {
  let root: string;
  let fifo: string;
  let socketPath: string;
  let server: Server;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vesalius-special-'));
    fifo = path.join(root, 'pipe.nii');
    execFileSync('mkfifo', [fifo]);
    socketPath = path.join(root, 'sock.png');
    server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(root, { recursive: true, force: true });
  });

  const refusal = async (file: string): Promise<MaskReadError> => {
    const started = Date.now();
    const error = await readMaskFile(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(2000); // at once: never waits on a writer or reads a device
    expect(error).toBeInstanceOf(MaskReadError);
    return error as MaskReadError;
  };

  it('refuses /dev/zero at once instead of reading without end', async () => {
    if (!existsSync('/dev/zero')) return;
    const e = await refusal('/dev/zero');
    expect(e.message).toBe('/dev/zero: is a character device, not a regular file; only regular files are read as masks');
    expect(e.reason).toBe('is a character device, not a regular file; only regular files are read as masks');
  });

  it('refuses a FIFO without blocking on it (no writer is ever attached)', async () => {
    expect((await refusal(fifo)).message).toBe(`${fifo}: is a FIFO (named pipe), not a regular file; only regular files are read as masks`);
    await expect(readNiftiLabelsFile(fifo)).rejects.toThrow(`${fifo}: is a FIFO (named pipe), not a regular file`);
  });

  it('refuses a socket and a folder with their kind', async () => {
    // A socket cannot be opened at all (ENXIO); the reason still names the file once, in words.
    const socketError = await refusal(socketPath);
    expect(socketError.message.startsWith(`${socketPath}: `)).toBe(true);
    expect(socketError.message.split(socketPath)).toHaveLength(2);
    expect(socketError.reason).toMatch(/^(is a socket, not a regular file|cannot be opened as a file \(a socket, or a device with nothing behind it\)); only regular files are read as masks$/);
    expect((await refusal(root)).message).toBe(`${root}: is a folder, not a regular file; only regular files are read as masks`);
  });
});
