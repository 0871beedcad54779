// The SEG / NIfTI export's refusal, in a module of its own: the reader thread that reads the source
// headers (core/sandbox segSource) throws it without loading the writer and dcmjs.

/** Thrown when the segmentation cannot be written over this source; the message says why in words. */
export class SegWriteError extends Error {
  // Named, so the error keeps its class across a reader thread (core/sandbox/protocol.ts sends the name).
  override name = 'SegWriteError';
}
