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

/** The words of anything a library threw (strings, Errors, emscripten exception numbers, objects): the one extractor, core/dicom/parser-words. */
export { parserMessage as thrownText } from '../dicom/parser-words';

