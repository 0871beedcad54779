/**
 * A filesystem error in words for a reason a person reads. Node's messages repeat the code and the
 * path ("ENOENT: no such file or directory, stat '/x'"); every reason already names its file, so
 * only what went wrong is kept.
 */
const WORDS: Record<string, string> = {
  ENOENT: 'not found',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  ELOOP: 'too many levels of symbolic links (a link loop)',
  ENAMETOOLONG: 'name too long',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  // Opening a socket fails before fstat can say what it is.
  ENXIO: 'cannot be opened as a file (a socket, or a device with nothing behind it)',
};

/** `e`: a thrown fs error, or the `{ code, message }` the reader thread sends back for one. */
export function ioErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException | null;
  const code = err && typeof err.code === 'string' ? err.code : undefined;
  if (code && WORDS[code]) return WORDS[code];
  const message = err && typeof err.message === 'string' ? err.message : String(e);
  // "CODE: description, syscall 'path'" → "description"; the code stays when there are no words for it.
  const description = message.replace(/^[A-Z0-9_]+: /, '').replace(/, [a-z_]+ '.*'$/s, '');
  return code ? `${description} (${code})` : description;
}
