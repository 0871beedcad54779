/** The last path segment, without importing node:path (this module is also used by the renderer). */
const baseName = (dir: string): string => dir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || dir;

/**
 * A model folder that cannot be used: names the file (relative to the folder, e.g. `config.json`,
 * `text_decoder.onnx`) and why, so the UI and the CLI can show exactly what to fix.
 */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  /** The model's name (its folder's base name). */
  readonly model: string;
  constructor(
    /** The model folder. */
    readonly dir: string,
    /** The offending file, relative to the model folder. */
    readonly file: string,
    readonly reason: string,
  ) {
    const model = baseName(dir);
    super(`${model}: ${file}: ${reason} (model folder ${dir})`);
    this.model = model;
  }
}

/** A failed inference step: names the model and the step (`text_decoder.onnx run`, `preprocessing`, …). */
export class ModelRunError extends Error {
  override readonly name = 'ModelRunError';
  constructor(
    readonly model: string,
    readonly step: string,
    readonly reason: string,
  ) {
    super(`${model}: ${step} failed: ${reason}`);
  }
}

/**
 * An input the model refuses by its folder's rules (an undeclared segmentation prompt, a question too long or
 * mostly out of vocabulary): the user's to change, not a failure of the model. Names the model.
 */
export class ModelInputError extends Error {
  override readonly name = 'ModelInputError';
  constructor(
    readonly model: string,
    readonly reason: string,
  ) {
    super(`${model}: ${reason}`);
  }
}

/** A task the model folder does not offer (e.g. embed without image_embed / text_embed graphs): see its tasks. */
export class ModelTaskUnsupportedError extends Error {
  override readonly name = 'ModelTaskUnsupportedError';
  constructor(
    readonly model: string,
    readonly task: string,
    readonly reason: string,
  ) {
    super(`${model}: ${task}: ${reason}`);
  }
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
