import { Enums, getWebWorkerManager } from '@cornerstonejs/core';

/**
 * A 64 × 64 all-zero signed 16-bit JPEG 2000 lossless codestream (141 bytes, written by the same
 * OpenJPEG build the decoder worker runs). Decoding it once at start-up starts the worker and
 * compiles the codec's wasm, which otherwise lands on the first image the user asks for (most of
 * its decode time on a real JPEG 2000 CT).
 */
const WARM_UP_J2K =
  '/0//UQApAAAAAABAAAAAQAAAAAAAAAAAAAAAQAAAAEAAAAAAAAAAAAABjwEB/1IADAACAAEABQQEAAH/XAATQICIiJCIiJCIiJCIiJCIiJD/ZAAlAAFDcmVhdGVkIGJ5IE9wZW5KUEVHIHZlcnNpb24gMi41LjT/kAAKAAAAAAAUAAH/k4CAgICAgP/Z';

const JPEG_2000_LOSSLESS = '1.2.840.10008.1.2.4.90';

/** Runs the warm-up decode in the background, at the lowest priority; a failure only costs the warm-up. */
export function warmDecoder(): Promise<void> {
  const pixelData = Uint8Array.from(atob(WARM_UP_J2K), (c) => c.charCodeAt(0));
  const imageFrame = {
    rows: 64,
    columns: 64,
    samplesPerPixel: 1,
    bitsAllocated: 16,
    bitsStored: 16,
    highBit: 15,
    pixelRepresentation: 1,
    photometricInterpretation: 'MONOCHROME2',
  };
  const started = performance.now();
  return getWebWorkerManager()
    .executeTask('dicomImageLoader', 'decodeTask', { imageFrame, transferSyntax: JPEG_2000_LOSSLESS, pixelData, options: { preScale: { enabled: false } }, decodeConfig: {} }, { requestType: Enums.RequestType.Prefetch })
    .then(() => performance.measure('vesalius:decoder-warm', { start: started }))
    .then(
      () => undefined,
      (e: unknown) => console.warn('cornerstone: decoder warm-up failed (the first image will start the codec instead)', e),
    );
}
