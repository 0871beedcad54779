/** A mask file that cannot be read; the message names the file and the reason. */
export class MaskReadError extends Error {
  constructor(
    readonly filePath: string,
    reason: string,
  ) {
    super(`${filePath}: ${reason}`);
    this.name = 'MaskReadError';
  }
}
