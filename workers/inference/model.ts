import { createHash } from 'node:crypto';
import type { ModelFolder } from '../../core/model/config';
import { ModelLoadError, ModelRunError, errorMessage } from '../../core/model/errors';
import { maskFromLogits, preprocessImage, type MaskResult, type RawImage } from '../../core/model/preprocess';
import { WordLevelTokenizer } from '../../core/model/tokenizer';
import type { HostTensor, InferenceBackend, InferenceSessionHandle } from './backend';

/** The encoder outputs of one image, fed by name to the decoders. */
export type ImageEncoding = Record<string, HostTensor>;

export interface GenerationResult {
  text: string;
  /** Generated token ids, without the final `<eos>`. */
  tokenIds: number[];
}

/** How many encoded images to keep: the user asks several questions about the image on screen. */
const ENCODING_CACHE_SIZE = 4;

/** Tokens kept free after a question (prefix, `<sep>`, answer): the training code's own cut. */
const QUESTION_RESERVE = 12;

/** A content hash of everything that determines pixel_values. */
export function imageKey(image: RawImage): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([image.kind, image.width, image.height, image.slope ?? 1, image.intercept ?? 0, image.data.constructor.name]));
  hash.update(new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength));
  return hash.digest('hex');
}

const int64Tensor = (ids: readonly number[]): HostTensor => ({
  dtype: 'int64',
  dims: [1, ids.length],
  data: BigInt64Array.from(ids, (id) => BigInt(id)),
});

/** Index of the largest logit in row `row` of [1, T, V] logits (first one on ties, like torch.argmax). */
function argmaxAt(logits: HostTensor, row: number): number {
  const vocab = logits.dims[logits.dims.length - 1];
  const data = logits.data as Float32Array;
  const start = row * vocab;
  let best = 0;
  let bestValue = -Infinity;
  for (let v = 0; v < vocab; v++) {
    const value = data[start + v];
    if (value > bestValue) {
      bestValue = value;
      best = v;
    }
  }
  return best;
}

/**
 * The vision-language model of one folder: image encoder, text decoder (caption / VQA, greedy), mask decoder.
 * Sessions are created once; encoder outputs are cached per image content.
 */
export class VisionLanguageModel {
  private readonly encodings = new Map<string, Promise<ImageEncoding>>();

  private constructor(
    readonly folder: ModelFolder,
    readonly tokenizer: WordLevelTokenizer,
    private readonly imageEncoder: InferenceSessionHandle,
    private readonly textDecoder: InferenceSessionHandle,
    private readonly maskDecoder: InferenceSessionHandle,
  ) {}

  get name(): string {
    return this.folder.name;
  }

  /** Creates the three sessions; a file the runtime cannot load, or with the wrong inputs, is named in a ModelLoadError. */
  static async load(folder: ModelFolder, backend: InferenceBackend): Promise<VisionLanguageModel> {
    const { files, encoder_outputs: encoderOutputs } = folder.config;
    const loadOne = async (file: string, absPath: string): Promise<InferenceSessionHandle> => {
      try {
        return await backend.load(absPath);
      } catch (e) {
        throw new ModelLoadError(folder.dir, file, `onnxruntime cannot load it: ${errorMessage(e)}`);
      }
    };
    const sessions: InferenceSessionHandle[] = [];
    try {
      const imageEncoder = await loadOne(files.image_encoder, folder.onnxPaths.imageEncoder);
      sessions.push(imageEncoder);
      const textDecoder = await loadOne(files.text_decoder, folder.onnxPaths.textDecoder);
      sessions.push(textDecoder);
      const maskDecoder = await loadOne(files.mask_decoder, folder.onnxPaths.maskDecoder);
      sessions.push(maskDecoder);

      const expectInputs = (file: string, session: InferenceSessionHandle, first: string, others: readonly string[]) => {
        if (!session.inputNames.includes(first)) throw new ModelLoadError(folder.dir, file, `has no input '${first}' (inputs: ${session.inputNames.join(', ')})`);
        const unknown = session.inputNames.filter((n) => n !== first && !others.includes(n));
        if (unknown.length) throw new ModelLoadError(folder.dir, file, `needs inputs ${unknown.join(', ')} that are neither '${first}' nor listed in config.json encoder_outputs`);
      };
      expectInputs(files.image_encoder, imageEncoder, 'pixel_values', []);
      const missingOutputs = encoderOutputs.filter((n) => !imageEncoder.outputNames.includes(n));
      if (missingOutputs.length) throw new ModelLoadError(folder.dir, files.image_encoder, `lacks outputs ${missingOutputs.join(', ')} listed in config.json encoder_outputs`);
      expectInputs(files.text_decoder, textDecoder, 'input_ids', encoderOutputs);
      if (!textDecoder.outputNames.includes('logits')) throw new ModelLoadError(folder.dir, files.text_decoder, "has no output 'logits'");
      expectInputs(files.mask_decoder, maskDecoder, 'prompt_ids', encoderOutputs);
      if (!maskDecoder.outputNames.includes('mask_logits')) throw new ModelLoadError(folder.dir, files.mask_decoder, "has no output 'mask_logits'");

      return new VisionLanguageModel(folder, new WordLevelTokenizer(folder.tokenizer), imageEncoder, textDecoder, maskDecoder);
    } catch (e) {
      await Promise.allSettled(sessions.map((s) => s.release()));
      throw e;
    }
  }

  private async runStep(session: InferenceSessionHandle, file: string, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    try {
      return await session.run(feeds);
    } catch (e) {
      throw new ModelRunError(this.name, `${file} run`, errorMessage(e));
    }
  }

  /** Runs the image encoder once per distinct image (content hash); later calls reuse its outputs. */
  encode(image: RawImage): Promise<ImageEncoding> {
    const key = imageKey(image);
    const cached = this.encodings.get(key);
    if (cached) {
      // Refresh its place in the LRU order.
      this.encodings.delete(key);
      this.encodings.set(key, cached);
      return cached;
    }
    const encoding = this.encodeUncached(image);
    this.encodings.set(key, encoding);
    encoding.catch(() => this.encodings.delete(key));
    while (this.encodings.size > ENCODING_CACHE_SIZE) {
      const oldest = this.encodings.keys().next().value as string;
      this.encodings.delete(oldest);
    }
    return encoding;
  }

  /** Preprocessing and the encoder run, without the cache (the benchmark measures this). */
  async encodeUncached(image: RawImage): Promise<ImageEncoding> {
    let pixelValues: Float32Array;
    try {
      pixelValues = preprocessImage(image, this.folder.preprocessor);
    } catch (e) {
      throw new ModelRunError(this.name, 'preprocessing', errorMessage(e));
    }
    const size = this.folder.config.image_size;
    const outputs = await this.runStep(this.imageEncoder, this.folder.config.files.image_encoder, {
      pixel_values: { dtype: 'float32', dims: [1, 1, size, size], data: pixelValues },
    });
    const encoding: ImageEncoding = {};
    for (const name of this.folder.config.encoder_outputs) encoding[name] = outputs[name];
    return encoding;
  }

  private encoderFeeds(session: InferenceSessionHandle, encoding: ImageEncoding): Record<string, HostTensor> {
    const feeds: Record<string, HostTensor> = {};
    for (const name of session.inputNames) if (encoding[name]) feeds[name] = encoding[name];
    return feeds;
  }

  /** Greedy decoding: re-runs the decoder on the growing sequence (no KV cache) until `<eos>` or the token budget. */
  async generate(encoding: ImageEncoding, prefixIds: readonly number[], maxNewTokens: number): Promise<GenerationResult> {
    const { eos_token_id: eosId, max_text_len: maxTextLen, files } = this.folder.config;
    const imageFeeds = this.encoderFeeds(this.textDecoder, encoding);
    const sequence = [...prefixIds];
    const tokenIds: number[] = [];
    while (tokenIds.length < maxNewTokens && sequence.length < maxTextLen) {
      const outputs = await this.runStep(this.textDecoder, files.text_decoder, { ...imageFeeds, input_ids: int64Tensor(sequence) });
      const logits = outputs.logits;
      const next = argmaxAt(logits, sequence.length - 1);
      if (next === eosId) break;
      tokenIds.push(next);
      sequence.push(next);
    }
    return { text: this.tokenizer.decode(tokenIds), tokenIds };
  }

  private prefix(task: string, words: number[] = [], suffix: number[] = []): number[] {
    return [this.folder.config.bos_token_id, this.tokenizer.tokenId(task), ...words, ...suffix];
  }

  async caption(image: RawImage): Promise<GenerationResult> {
    const encoding = await this.encode(image);
    return this.generate(encoding, this.prefix(this.folder.config.task_prefixes.caption), this.folder.config.max_caption_tokens);
  }

  /**
   * The input ids for a question: `<bos> <vqa> question <sep>`, the question cut to max_text_len − 12 words
   * exactly as training and evaluation do (models/training/infer.py vqa_prefix), so the answer still fits.
   */
  questionIds(question: string): number[] {
    const { max_text_len: maxTextLen, task_prefixes: prefixes } = this.folder.config;
    const room = Math.max(1, maxTextLen - QUESTION_RESERVE);
    return this.prefix(prefixes.vqa, this.tokenizer.encode(question).slice(0, room), [this.tokenizer.tokenId('<sep>')]);
  }

  async answer(image: RawImage, question: string): Promise<GenerationResult> {
    const encoding = await this.encode(image);
    return this.generate(encoding, this.questionIds(question), this.folder.config.max_answer_tokens);
  }

  /** The prompt ids for segmentation: `<bos> <seg> prompt`. */
  promptIds(prompt: string): number[] {
    const { max_text_len: maxTextLen, task_prefixes: prefixes } = this.folder.config;
    return this.prefix(prefixes.segment, this.tokenizer.encode(prompt).slice(0, maxTextLen - 2));
  }

  /** Mask logits at model resolution → probabilities resized to the image → thresholded mask. */
  async segment(image: RawImage, prompt: string): Promise<MaskResult> {
    const encoding = await this.encode(image);
    const { files, image_size: size, mask_threshold: threshold } = this.folder.config;
    const outputs = await this.runStep(this.maskDecoder, files.mask_decoder, {
      ...this.encoderFeeds(this.maskDecoder, encoding),
      prompt_ids: int64Tensor(this.promptIds(prompt)),
    });
    const logits = outputs.mask_logits;
    if (logits.data.length !== size * size) {
      throw new ModelRunError(this.name, `${files.mask_decoder} output`, `mask_logits has shape [${logits.dims.join(', ')}], expected [1, 1, ${size}, ${size}]`);
    }
    try {
      return maskFromLogits(logits.data as Float32Array, size, image.width, image.height, threshold);
    } catch (e) {
      throw new ModelRunError(this.name, 'mask postprocessing', errorMessage(e));
    }
  }

  async release(): Promise<void> {
    this.encodings.clear();
    await Promise.allSettled([this.imageEncoder.release(), this.textDecoder.release(), this.maskDecoder.release()]);
  }
}
