import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { MaskReadError } from './mask-error';

/** What a non-regular file is, in words, for the refusal. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/**
 * Opens a file for reading only if it is a regular file (`readAs` names what it was to be read as, for the refusal). O_NONBLOCK keeps the open of a FIFO
 * from waiting for a writer; the check is fstat on the opened descriptor, so the file read is the
 * file checked (no separate stat to race). Devices such as /dev/zero, FIFOs, sockets and folders are
 * refused at once. File-system errors are thrown as they are (the caller names them).
 */
export async function openRegularFile(filePath: string, source: string = filePath, readAs = 'masks'): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(filePath, constants.O_RDONLY | constants.O_NONBLOCK);
  let stats: Stats;
  try {
    stats = await handle.stat();
  } catch (e) {
    await handle.close();
    throw e;
  }
  if (!stats.isFile()) {
    await handle.close();
    throw new MaskReadError(source, `is ${kindOf(stats)}, not a regular file; only regular files are read as ${readAs}`);
  }
  return { handle, size: stats.size };
}

/** Reads into `target` from `position` until it is full or the file ends; how many bytes came. */
export async function readFully(handle: FileHandle, target: Uint8Array, position: number): Promise<number> {
  let filled = 0;
  while (filled < target.byteLength) {
    const { bytesRead } = await handle.read(target, filled, target.byteLength - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** The whole file of `size` bytes; shorter if it shrank while being read (the decoder then names the damage). */
export async function readWhole(handle: FileHandle, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  const filled = await readFully(handle, bytes, 0);
  return filled < size ? bytes.subarray(0, filled) : bytes;
}
