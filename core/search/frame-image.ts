// One catalogued frame as the model's input image, through the assistant's one decoding path (core/sandbox
// model-input.ts, the `modelInput` reader task the CLI's caption/ask/segment use): on a reader thread with its
// time and memory limits, CT as HU, every other image as `vesalius render` draws it (gray8 / rgb8).
import type { ReaderSandbox } from '../sandbox/reader-sandbox';
import type { ModelImage } from './embedding-port';

export type FrameImage = { ok: true; image: ModelImage } | { ok: false; reason: string };

/** Decodes frame `frame` (1-based) of an image file; never throws. */
export type DecodeFrame = (filePath: string, frame: number) => Promise<FrameImage>;

/**
 * The decoder over a reader sandbox (the app service's own, so its threads and limits are shared). DICOM images
 * carry their header tags, as the dock's and the CLI's do: a 0.3 model's embedding depends on them.
 */
export function readerFrameDecoder(readers: Pick<ReaderSandbox, 'modelInput'>): DecodeFrame {
  return async (filePath, frame) => {
    const input = await readers.modelInput(filePath, frame);
    if (!input.ok) return { ok: false, reason: input.reason };
    return { ok: true, image: input.header ? { ...input.image, header: input.header } : input.image };
  };
}
