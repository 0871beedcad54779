// One catalogued frame as the model's input image, through the assistant's one decoding path (core/sandbox
// model-input.ts, the `modelInput` reader task the CLI's caption/ask/segment use): on a reader thread with its
// time and memory limits, CT as HU, every other image as `vesalius render` draws it (gray8 / rgb8).
import type { RawImage } from '../model/preprocess';
import type { ReaderSandbox } from '../sandbox/reader-sandbox';

export type FrameImage = { ok: true; image: RawImage } | { ok: false; reason: string };

/** Decodes frame `frame` (1-based) of an image file; never throws. */
export type DecodeFrame = (filePath: string, frame: number) => Promise<FrameImage>;

/**
 * The decoder over a reader sandbox (the app service's own, so its threads and limits are shared). The header
 * tags the model input carries are not passed on yet (their conversion to the worker's header lives in
 * cli/image-input.ts): indexed images are embedded with every header fact unknown, as PNG/JPEG images are.
 */
export function readerFrameDecoder(readers: Pick<ReaderSandbox, 'modelInput'>): DecodeFrame {
  return async (filePath, frame) => {
    const input = await readers.modelInput(filePath, frame);
    return input.ok ? { ok: true, image: input.image } : { ok: false, reason: input.reason };
  };
}
