// What the reader threads can be asked to do: each task kind calls the existing reader, unchanged.
import { ioErrorText } from '../fs/io-error';
import { MaskReadError } from '../masks/mask-error';
import { DEFAULT_MAX_VOLUME_BYTES } from '../masks/nifti';
import { openRegularFile } from '../masks/open-regular-file';
import { decodeGrayPng, type GrayPng } from '../masks/png';
import { readMaskFile, type MaskSet } from '../masks/read-mask';

export interface ReaderTaskArgs {
  readMask: { filePath: string };
  readGrayPng: { filePath: string; what: string };
}

export interface ReaderTaskValues {
  readMask: MaskSet;
  readGrayPng: GrayPng;
}

export type ReaderTaskKind = keyof ReaderTaskArgs;

/** A whole regular file (the same cap as one mask volume), for decoders that take bytes. */
async function readRegularFile(filePath: string): Promise<Uint8Array> {
  try {
    const { handle, size } = await openRegularFile(filePath);
    try {
      if (size > DEFAULT_MAX_VOLUME_BYTES) throw new MaskReadError(filePath, `file of ${size} bytes is over the ${DEFAULT_MAX_VOLUME_BYTES / 1024 ** 3} GiB limit for one image`);
      const bytes = new Uint8Array(size);
      let filled = 0;
      while (filled < size) {
        const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled < size ? bytes.subarray(0, filled) : bytes; // it shrank while being read: the decoder names the damage
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (e instanceof MaskReadError) throw e;
    throw new MaskReadError(filePath, ioErrorText(e));
  }
}

export const readerTasks = {
  readMask: ({ filePath }: ReaderTaskArgs['readMask']): Promise<MaskSet> => readMaskFile(filePath),
  readGrayPng: async ({ filePath, what }: ReaderTaskArgs['readGrayPng']): Promise<GrayPng> => decodeGrayPng(await readRegularFile(filePath), filePath, what),
} satisfies { [K in ReaderTaskKind]: (args: ReaderTaskArgs[K]) => Promise<ReaderTaskValues[K]> };
