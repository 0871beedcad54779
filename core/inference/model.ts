import { createHash } from 'node:crypto';
import type { AssistantTask } from '../contract/assistant';
import { modelTasks, type ModelFolder } from '../model/config';
import { ModelLoadError, ModelRunError, ModelTaskUnsupportedError, errorMessage } from '../model/errors';
import { headerFacts, headerIds, type HeaderFacts, type HeaderTagInput } from '../model/header-facts';
import { preprocessImage, type RawImage } from '../model/preprocess';
import { PIXEL_VALUES_HIRES } from '../model/schemas';
import type { WordLevelTokenizer } from '../model/tokenizer';
import type { HostTensor, InferenceBackend, InferenceSessionHandle } from './backend';
import { TextProcessor } from './text-processor';

/** The encoder outputs of one image, fed by name to the decoders. */
export type ImageEncoding = Record<string, HostTensor>;

/** An image with the header tags of its DICOM file (none for PNG/JPEG). */
export type ModelImage = RawImage & { header?: HeaderTagInput };

/**
 * The encoder outputs kept, bounded by memory: the user asks several questions about the image on screen, and
 * archive search embeds one image after another. 0.2.0's encoding of one image is 300 KiB (image_embeds
 * 100 × 256 + pixel_features 32 × 40 × 40, float32), so 16 entries hold about 4.7 MiB; the byte bound is for a
 * larger user model (Hugging Face folder), whose encodings could be tens of MB each. A mask refiner's image at
 * mask_size is not kept here: it is made per mask call (see maskImageFeeds).
 */
export const ENCODING_CACHE_LIMITS = { maxBytes: 32 * 1024 * 1024, maxEntries: 16 } as const;

export interface EncodingCacheLimits {
  maxBytes: number;
  maxEntries: number;
}

/** Bytes held by an image's encoder outputs. */
export const encodingBytes = (encoding: ImageEncoding): number =>
  Object.values(encoding).reduce((sum, tensor) => sum + tensor.data.byteLength, 0);

/** A content hash of everything that determines the encoder's inputs (pixel_values and the header). */
export function imageKey(image: ModelImage): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([image.kind, image.width, image.height, image.slope ?? 1, image.intercept ?? 0, image.data.constructor.name, image.header ?? null]));
  hash.update(new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength));
  return hash.digest('hex');
}

/** The image encoder's input for the header facts (present ⇔ config.json header_fusion). */
const HEADER_IDS = 'header_ids';
/** The mask decoder's optional output: logit of "the prompted structure is in the image". */
const PRESENCE_LOGITS = 'presence_logits';

export interface GenerationResult {
  text: string;
  /** Token ids of the text: the forced prefix, then the generated ones, without the final `<eos>`. */
  tokenIds: number[];
  /** How many leading tokenIds were forced (the caption's header prefix). */
  forcedTokens: number;
  /** Product of the softmax probabilities of each greedy token, `<eos>` included when reached. */
  probability: number;
}

/**
 * The text so far while greedy decoding runs: after the forced header words (when there are any), then after each
 * generated token. The decoded text only ever grows at its end, so `delta` (what this step added) concatenated
 * over the steps is the final text.
 */
export interface GenerationStep {
  text: string;
  delta: string;
  /** Token ids in `text`: the forced ones and those generated so far. */
  tokens: number;
}

/** The mask decoder's raw answer for one prompt: logits at maskSize × maskSize, and the presence logit (0.3 on). */
export interface MaskDecoderOutput {
  maskLogits: Float32Array;
  presenceLogit: number | null;
}

export const int64Tensor = (ids: readonly number[]): HostTensor => ({
  dtype: 'int64',
  dims: [1, ids.length],
  data: BigInt64Array.from(ids, (id) => BigInt(id)),
});

/**
 * The greedy token of row `row` of [1, T, V] logits (first one on ties, like torch.argmax) and its softmax
 * probability (in float64, as the Python side's log_softmax(logits.double())).
 */
function greedyAt(logits: HostTensor, row: number): { token: number; probability: number } {
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
  let sum = 0;
  for (let v = 0; v < vocab; v++) sum += Math.exp(data[start + v] - bestValue);
  return { token: best, probability: 1 / sum };
}

/**
 * The vision-language model of one folder: image encoder, text decoder (caption / VQA, greedy), mask decoder.
 * Sessions are created once; encoder outputs are cached per image content.
 */
export class VisionLanguageModel {
  /** LRU order (oldest first); bytes is 0 until the encoding has resolved. */
  private readonly encodings = new Map<string, { encoding: Promise<ImageEncoding>; bytes: number }>();
  private cacheLimits: EncodingCacheLimits = ENCODING_CACHE_LIMITS;

  private constructor(
    readonly folder: ModelFolder,
    /** The folder's text processor (tokenizer.json + config.json): every task's input ids and input rules. */
    readonly text: TextProcessor,
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

  get tokenizer(): WordLevelTokenizer {
    return this.text.tokenizer;
  }

  /** The side of the mask decoder's square logits: config.json mask_size (a mask refiner), else image_size. */
  get maskSize(): number {
    return this.folder.config.mask_size ?? this.folder.config.image_size;
  }

  /** Creates the three sessions; a file the runtime cannot load, or with the wrong inputs, is named in a ModelLoadError. */
  static async load(folder: ModelFolder, backend: InferenceBackend, options: { cache?: EncodingCacheLimits } = {}): Promise<VisionLanguageModel> {
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

      const expectInputs = (file: string, session: InferenceSessionHandle, first: string, others: readonly string[], othersFrom = 'listed in config.json encoder_outputs') => {
        if (!session.inputNames.includes(first)) throw new ModelLoadError(folder.dir, file, `has no input '${first}' (inputs: ${session.inputNames.join(', ')})`);
        const unknown = session.inputNames.filter((n) => n !== first && !others.includes(n));
        if (unknown.length) throw new ModelLoadError(folder.dir, file, `needs inputs ${unknown.join(', ')} that are neither '${first}' nor ${othersFrom}`);
      };
      const fusion = folder.config.header_fusion;
      expectInputs(files.image_encoder, imageEncoder, 'pixel_values', fusion ? [HEADER_IDS] : [], `'${HEADER_IDS}' with config.json header_fusion`);
      if (fusion && !imageEncoder.inputNames.includes(HEADER_IDS)) {
        throw new ModelLoadError(folder.dir, files.image_encoder, `has no input '${HEADER_IDS}' although config.json has header_fusion`);
      }
      const missingOutputs = encoderOutputs.filter((n) => !imageEncoder.outputNames.includes(n));
      if (missingOutputs.length) throw new ModelLoadError(folder.dir, files.image_encoder, `lacks outputs ${missingOutputs.join(', ')} listed in config.json encoder_outputs`);
      expectInputs(files.text_decoder, textDecoder, 'input_ids', encoderOutputs);
      if (!textDecoder.outputNames.includes('logits')) throw new ModelLoadError(folder.dir, files.text_decoder, "has no output 'logits'");
      // A mask refiner reads pixel_values_hires, which the app makes exactly when config.json has mask_size.
      const maskSize = folder.config.mask_size;
      const hasHires = maskDecoder.inputNames.includes(PIXEL_VALUES_HIRES);
      if (maskSize !== undefined && !hasHires) throw new ModelLoadError(folder.dir, files.mask_decoder, `has no input '${PIXEL_VALUES_HIRES}' although config.json has mask_size ${maskSize}`);
      if (maskSize === undefined && hasHires) throw new ModelLoadError(folder.dir, files.mask_decoder, `has the input '${PIXEL_VALUES_HIRES}' (a mask refiner) but config.json has no mask_size`);
      expectInputs(files.mask_decoder, maskDecoder, 'prompt_ids', maskSize === undefined ? encoderOutputs : [...encoderOutputs, PIXEL_VALUES_HIRES]);
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

      const model = new VisionLanguageModel(folder, new TextProcessor(folder), imageEncoder, textDecoder, maskDecoder, embedGraphs);
      if (options.cache) model.cacheLimits = options.cache;
      return model;
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
  encode(image: ModelImage): Promise<ImageEncoding> {
    const key = imageKey(image);
    const cached = this.encodings.get(key);
    if (cached) {
      // Refresh its place in the LRU order.
      this.encodings.delete(key);
      this.encodings.set(key, cached);
      return cached.encoding;
    }
    const entry = { encoding: this.encodeUncached(image), bytes: 0 };
    this.encodings.set(key, entry);
    entry.encoding.then(
      (encoding) => {
        entry.bytes = encodingBytes(encoding);
        this.evict();
      },
      () => {
        if (this.encodings.get(key) === entry) this.encodings.delete(key);
      },
    );
    this.evict();
    return entry.encoding;
  }

  /** What the encoding cache holds now (tests, and the bound stated in ENCODING_CACHE_LIMITS). */
  get cacheUsage(): { entries: number; bytes: number } {
    let bytes = 0;
    for (const entry of this.encodings.values()) bytes += entry.bytes;
    return { entries: this.encodings.size, bytes };
  }

  /** Drops the least recently used encodings until both bounds hold; the newest one always stays. */
  private evict(): void {
    const { maxBytes, maxEntries } = this.cacheLimits;
    let { entries, bytes } = this.cacheUsage;
    for (const [key, entry] of this.encodings) {
      if (entries <= 1 || (entries <= maxEntries && bytes <= maxBytes)) break;
      this.encodings.delete(key);
      entries -= 1;
      bytes -= entry.bytes;
    }
  }

  /** Preprocessing and the encoder run, without the cache (the benchmark measures this). */
  async encodeUncached(image: ModelImage): Promise<ImageEncoding> {
    const { image_size: size, header_fusion: fusion } = this.folder.config;
    let pixelValues: Float32Array;
    try {
      pixelValues = preprocessImage(image, this.folder.preprocessor);
    } catch (e) {
      throw new ModelRunError(this.name, 'preprocessing', errorMessage(e));
    }
    const feeds: Record<string, HostTensor> = { pixel_values: { dtype: 'float32', dims: [1, 1, size, size], data: pixelValues } };
    if (fusion) {
      const ids = headerIds(this.facts(image), fusion);
      feeds[HEADER_IDS] = { dtype: 'int64', dims: [1, ids.length], data: ids };
    }
    const outputs = await this.runStep(this.imageEncoder, this.folder.config.files.image_encoder, feeds);
    const encoding: ImageEncoding = {};
    for (const name of this.folder.config.encoder_outputs) encoding[name] = outputs[name];
    return encoding;
  }

  /**
   * What the mask decoder reads of the image itself besides the encoding: for a mask refiner (config.json mask_size R),
   * `pixel_values_hires`, the same preprocessing at R; nothing otherwise. Made per mask call, so captions, answers and
   * archive indexing never pay for it and the encoding cache does not hold it (a few ms against the refiner's run).
   */
  maskImageFeeds(image: ModelImage): Record<string, HostTensor> {
    const maskSize = this.folder.config.mask_size;
    if (maskSize === undefined) return {};
    let data: Float32Array;
    try {
      data = preprocessImage(image, { ...this.folder.preprocessor, image_size: maskSize });
    } catch (e) {
      throw new ModelRunError(this.name, 'preprocessing', errorMessage(e));
    }
    return { [PIXEL_VALUES_HIRES]: { dtype: 'float32', dims: [1, 1, maskSize, maskSize], data } };
  }

  /** The header facts of an image; a PNG/JPEG (no header) has none known, so its header_ids are all 0. */
  facts(image: ModelImage): HeaderFacts {
    return headerFacts(image.header ?? {});
  }

  private encoderFeeds(session: InferenceSessionHandle, encoding: ImageEncoding): Record<string, HostTensor> {
    const feeds: Record<string, HostTensor> = {};
    for (const name of session.inputNames) if (encoding[name]) feeds[name] = encoding[name];
    return feeds;
  }

  /**
   * Greedy decoding: re-runs the decoder on the growing sequence (no KV cache) until `<eos>` or the token budget.
   * `forced` ids follow the prefix as if generated (the caption's header words) and are part of the text.
   * `onStep` hears the text as it grows (see GenerationStep), before the next decoder run.
   */
  async generate(
    encoding: ImageEncoding,
    prefixIds: readonly number[],
    maxNewTokens: number,
    forced: readonly number[] = [],
    onStep?: (step: GenerationStep) => void,
  ): Promise<GenerationResult> {
    const { eos_token_id: eosId, max_text_len: maxTextLen, files } = this.folder.config;
    const imageFeeds = this.encoderFeeds(this.textDecoder, encoding);
    const sequence = [...prefixIds, ...forced];
    const generated: number[] = [];
    let probability = 1;
    let shown = '';
    const report = () => {
      if (!onStep) return;
      const text = this.tokenizer.decode([...forced, ...generated]);
      onStep({ text, delta: text.slice(shown.length), tokens: forced.length + generated.length });
      shown = text;
    };
    if (forced.length > 0) report();
    while (generated.length < maxNewTokens && sequence.length < maxTextLen) {
      const outputs = await this.runStep(this.textDecoder, files.text_decoder, { ...imageFeeds, input_ids: int64Tensor(sequence) });
      const next = greedyAt(outputs.logits, sequence.length - 1);
      probability *= next.probability;
      if (next.token === eosId) break;
      generated.push(next.token);
      sequence.push(next.token);
      report();
    }
    const tokenIds = [...forced, ...generated];
    return { text: this.tokenizer.decode(tokenIds), tokenIds, forcedTokens: forced.length, probability };
  }

  /** One mask decoder run for a prompt's ids over an image and its encoding, shapes checked against maskSize. */
  async decodeMask(image: ModelImage, encoding: ImageEncoding, promptIds: readonly number[]): Promise<MaskDecoderOutput> {
    const { files, mask_size: maskSize } = this.folder.config;
    const size = this.maskSize;
    const outputs = await this.runStep(this.maskDecoder, files.mask_decoder, {
      ...this.encoderFeeds(this.maskDecoder, encoding),
      ...this.maskImageFeeds(image),
      prompt_ids: int64Tensor(promptIds),
    });
    const logits = outputs.mask_logits;
    if (logits.data.length !== size * size) {
      throw new ModelRunError(this.name, `${files.mask_decoder} output`, `mask_logits has shape [${logits.dims.join(', ')}], expected [1, 1, ${size}, ${size}] (config.json ${maskSize === undefined ? 'image_size' : 'mask_size'})`);
    }
    const presence = outputs[PRESENCE_LOGITS];
    if (presence && presence.data.length !== 1) {
      throw new ModelRunError(this.name, `${files.mask_decoder} output`, `${PRESENCE_LOGITS} has shape [${presence.dims.join(', ')}], expected [1, 1]`);
    }
    return { maskLogits: logits.data as Float32Array, presenceLogit: presence ? (presence.data as Float32Array)[0] : null };
  }

  private embedding(graphs: string, output: HostTensor, file: string): Float32Array {
    const dim = this.folder.config.embeddings?.embed_dim;
    if (output.dtype !== 'float32' || output.data.length !== dim) {
      throw new ModelRunError(this.name, `${file} output`, `${graphs} has shape [${output.dims.join(', ')}], expected [1, ${dim}] (config.json embeddings.embed_dim)`);
    }
    // Own buffer: the runtime's output array may be a view into memory it reuses.
    return Float32Array.from(output.data as Float32Array);
  }

  requireEmbedGraphs(): { image: InferenceSessionHandle; text: InferenceSessionHandle } {
    if (!this.embedGraphs) throw new ModelTaskUnsupportedError(this.name, 'embed', 'this model folder has no image_embed / text_embed graphs (config.json files), so it cannot embed');
    return this.embedGraphs;
  }

  /** Whether config.json files names the contrastive graphs (image_embed, text_embed). */
  get canEmbed(): boolean {
    return this.embedGraphs !== null;
  }

  /** The image_embed graph over an image's encoding: its vector in the shared image–text space. */
  async embedEncoding(encoding: ImageEncoding): Promise<Float32Array> {
    const graphs = this.requireEmbedGraphs();
    const file = this.folder.config.files.image_embed!;
    const outputs = await this.runStep(graphs.image, file, { image_embeds: encoding.image_embeds });
    return this.embedding('image_embed', outputs.image_embed, file);
  }

  /** The text_embed graph over a text's ids (TextProcessor.textEmbedIds): its vector in the shared space. */
  async embedIds(ids: readonly number[]): Promise<Float32Array> {
    const graphs = this.requireEmbedGraphs();
    const file = this.folder.config.files.text_embed!;
    const outputs = await this.runStep(graphs.text, file, { input_ids: int64Tensor(ids) });
    return this.embedding('text_embed', outputs.text_embed, file);
  }

  async release(): Promise<void> {
    this.encodings.clear();
    const embed = this.embedGraphs ? [this.embedGraphs.image.release(), this.embedGraphs.text.release()] : [];
    await Promise.allSettled([this.imageEncoder.release(), this.textDecoder.release(), this.maskDecoder.release(), ...embed]);
  }
}
