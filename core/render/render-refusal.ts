/**
 * Why a frame cannot be rendered, in words a person can act on (what is wrong, and where: tag, byte
 * offset, frame). Thrown inside core/render and turned into a failure value by renderFrame; the
 * file's name is added by whoever knows it.
 */
export class RenderRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RenderRefusal';
  }
}

/** The words of anything a library threw (strings, Errors, emscripten exception numbers, objects). */
export function thrownText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'exception' in e) return thrownText((e as { exception: unknown }).exception);
  return String(e);
}

/** A cap as stated in a refusal: in MiB when it is a whole number of them, else in bytes. */
export const capText = (maxBytes: number): string => (maxBytes % 2 ** 20 === 0 ? `${maxBytes / 2 ** 20} MiB` : `${maxBytes} bytes`);
