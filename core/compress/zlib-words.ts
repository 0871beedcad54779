/**
 * A decompression failure in words for a reason a person reads: zlib's messages ("incorrect header
 * check", "invalid stored block lengths", "unexpected end of file") are the library's; what they
 * mean for the file is one of a few things.
 */
export function inflateErrorWords(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = err?.code;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  if (code === 'ERR_BUFFER_TOO_LARGE') return 'it inflates to more than the limit';
  if (code === 'Z_BUF_ERROR' || /unexpected end of file|unexpected EOF/i.test(message)) return 'the compressed stream is cut off (it ends before its last block)';
  if (/incorrect header check|invalid window size|unknown compression method/i.test(message)) return 'the compressed stream does not start with a valid zlib/gzip header';
  if (/incorrect data check|header crc mismatch|incorrect length check|invalid zip data/i.test(message)) return "the checksum at the end of the compressed stream does not match its data (corrupt)";
  if (code === 'Z_MEM_ERROR' || /memory/i.test(message)) return 'not enough memory to inflate it';
  return 'the compressed data is corrupt (not a valid deflate stream)';
}
