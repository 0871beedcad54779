import { createHash } from 'node:crypto';
import type { AssistantTask } from '../../core/contract/assistant';
import { modelTasks, type ModelFolder } from '../../core/model/config';
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
    /** The contrastive graphs, when config.files names them (0.2.0 on). */
    private readonly embedGraphs: { image: InferenceSessionHandle; text: InferenceSessionHandle } | null,
  ) {}

  /** What this model can do (status, the CLI's `models list`). */
  get tasks(): AssistantTask[] {
    return modelTasks(this.folder.config);
  }

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

      let embedGraphs: { image: InferenceSessionHandle; text: InferenceSessionHandle } | null = null;
      const { imageEmbed, textEmbed } = folder.onnxPaths;
      if (files.image_embed && files.text_embed && imageEmbed && textEmbed) {
        const image = await loadOne(files.image_embed, imageEmbed);
        sessions.push(image);
        const text = await loadOne(files.text_embed, textEmbed);
        sessions.push(text);
        expectInputs(files.image_embed, image, 'image_embeds', []);
        if (!image.outputNames.includes('image_embed')) throw new ModelLoadError(folder.dir, files.image_embed, "has no output 'image_embed'");
        expectInputs(files.text_embed, text, 'input_ids', []);
        if (!text.outputNames.includes('text_embed')) throw new ModelLoadError(folder.dir, files.text_embed, "has no output 'text_embed'");
        embedGraphs = { image, text };
      }

      return new VisionLanguageModel(folder, new WordLevelTokenizer(folder.tokenizer), imageEncoder, textDecoder, maskDecoder, embedGraphs);
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

  private embedding(graphs: string, output: HostTensor, file: string): Float32Array {
    const dim = this.folder.config.embeddings?.embed_dim;
    if (output.dtype !== 'float32' || output.data.length !== dim) {
      throw new ModelRunError(this.name, `${file} output`, `${graphs} has shape [${output.dims.join(', ')}], expected [1, ${dim}] (config.json embeddings.embed_dim)`);
    }
    // Own buffer: the runtime's output array may be a view into memory it reuses.
    return Float32Array.from(output.data as Float32Array);
  }

  private requireEmbedGraphs(): { image: InferenceSessionHandle; text: InferenceSessionHandle } {
    if (!this.embedGraphs) throw new ModelRunError(this.name, 'embed', 'this model folder has no image_embed / text_embed graphs (config.json files)');
    return this.embedGraphs;
  }

  /** The image's unit vector in the shared image–text space; the encoder run is the cached one. */
  async embedImage(image: RawImage): Promise<Float32Array> {
    const graphs = this.requireEmbedGraphs();
    const encoding = await this.encode(image);
    const file = this.folder.config.files.image_embed!;
    const outputs = await this.runStep(graphs.image, file, { image_embeds: encoding.image_embeds });
    return this.embedding('image_embed', outputs.image_embed, file);
  }

  /**
   * The ids text_embed.onnx reads: `<bos> words <eos>`, cut to max_text_len like the training code
   * (models/training/contrastive.py text_ids: `([<bos>] + words)[: max_len − 1] + [<eos>]`).
   */
  textEmbedIds(text: string): number[] {
    const { bos_token_id: bos, eos_token_id: eos, max_text_len: maxTextLen } = this.folder.config;
    if (this.tokenizer.words(text).length === 0) throw new ModelRunError(this.name, 'embed', 'the text has no words to embed');
    const words = this.tokenizer.encode(text);
    return [...[bos, ...words].slice(0, maxTextLen - 1), eos];
  }

  /** The text's unit vector in the shared image–text space. */
  async embedText(text: string): Promise<Float32Array> {
    const graphs = this.requireEmbedGraphs();
    const file = this.folder.config.files.text_embed!;
    const outputs = await this.runStep(graphs.text, file, { input_ids: int64Tensor(this.textEmbedIds(text)) });
    return this.embedding('text_embed', outputs.text_embed, file);
  }

  async release(): Promise<void> {
    this.encodings.clear();
    const embed = this.embedGraphs ? [this.embedGraphs.image.release(), this.embedGraphs.text.release()] : [];
    await Promise.allSettled([this.imageEncoder.release(), this.textDecoder.release(), this.maskDecoder.release(), ...embed]);
  }
}
