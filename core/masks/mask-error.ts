/** A mask file that cannot be read; the message names the file and the reason. */
export class MaskReadError extends Error {
  constructor(
    readonly filePath: string,
    /** The reason alone, for callers that show the path themselves (so it is not printed twice). */
    readonly reason: string,
  ) {
    super(`${filePath}: ${reason}`);
    this.name = 'MaskReadError';
  }
}
