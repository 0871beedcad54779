import { createHash } from 'node:crypto';
import type { AssistantTask } from '../contract/assistant';
import { modelTasks, type ModelFolder } from '../model/config';
import { ModelInputError, ModelLoadError, ModelRunError, ModelTaskUnsupportedError, errorMessage } from '../model/errors';
import { forcedCaptionWords, headerFacts, headerIds, type HeaderFacts, type HeaderTagInput } from '../model/header-facts';
import { maskFromLogits, preprocessImage, sigmoid, type MaskResult, type RawImage } from '../model/preprocess';
import { declaredPrompt } from '../model/segment-prompt';
import { WordLevelTokenizer } from '../model/tokenizer';
import type { HostTensor, InferenceBackend, InferenceSessionHandle } from './backend';

/** The encoder outputs of one image, fed by name to the decoders. */
export type ImageEncoding = Record<string, HostTensor>;

/** An image with the header tags of its DICOM file (none for PNG/JPEG). */
export type ModelImage = RawImage & { header?: HeaderTagInput };

export interface GenerationResult {
  text: string;
  /** Token ids of the text: the forced prefix, then the generated ones, without the final `<eos>`. */
  tokenIds: number[];
  /** How many leading tokenIds were forced (the caption's header prefix). */
  forcedTokens: number;
  /** Product of the softmax probabilities of each greedy token, `<eos>` included when reached. */
  probability: number;
  /** Set for answers of a model with answer_uncertain_below. */
  uncertain?: boolean;
}

export interface SegmentationResult extends MaskResult {
  /** False when the presence probability is below presence_threshold (the mask is then empty). */
  present: boolean;
  /** null for a mask decoder without a presence_logits output (0.2.0). */
  presenceProbability: number | null;
}

/** How many encoded images to keep: the user asks several questions about the image on screen. */
const ENCODING_CACHE_SIZE = 4;

/** Tokens kept free after a question (prefix, `<sep>`, answer): the training code's own cut. */
const QUESTION_RESERVE = 12;

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
/** Without a presence_threshold in config.json, a presence output still decides at even odds. */
const DEFAULT_PRESENCE_THRESHOLD = 0.5;

const int64Tensor = (ids: readonly number[]): HostTensor => ({
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
  encode(image: ModelImage): Promise<ImageEncoding> {
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
  async encodeUncached(image: ModelImage): Promise<ImageEncoding> {
    let pixelValues: Float32Array;
    try {
      pixelValues = preprocessImage(image, this.folder.preprocessor);
    } catch (e) {
      throw new ModelRunError(this.name, 'preprocessing', errorMessage(e));
    }
    const { image_size: size, header_fusion: fusion } = this.folder.config;
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
   */
  async generate(encoding: ImageEncoding, prefixIds: readonly number[], maxNewTokens: number, forced: readonly number[] = []): Promise<GenerationResult> {
    const { eos_token_id: eosId, max_text_len: maxTextLen, files } = this.folder.config;
    const imageFeeds = this.encoderFeeds(this.textDecoder, encoding);
    const sequence = [...prefixIds, ...forced];
    const generated: number[] = [];
    let probability = 1;
    while (generated.length < maxNewTokens && sequence.length < maxTextLen) {
      const outputs = await this.runStep(this.textDecoder, files.text_decoder, { ...imageFeeds, input_ids: int64Tensor(sequence) });
      const next = greedyAt(outputs.logits, sequence.length - 1);
      probability *= next.probability;
      if (next.token === eosId) break;
      generated.push(next.token);
      sequence.push(next.token);
    }
    const tokenIds = [...forced, ...generated];
    return { text: this.tokenizer.decode(tokenIds), tokenIds, forcedTokens: forced.length, probability };
  }

  private prefix(task: string, words: number[] = [], suffix: number[] = []): number[] {
    return [this.folder.config.bos_token_id, this.tokenizer.tokenId(task), ...words, ...suffix];
  }

  /**
   * The caption's forced start: when the header's modality is known and the folder has caption_prefix_slots,
   * the known prefix slots' words each followed by "," ("ct , axial ,"), so a caption never contradicts the header.
   */
  captionForcedIds(image: ModelImage): number[] {
    const { header_fusion: fusion, caption_prefix_slots: slots } = this.folder.config;
    if (!fusion || !slots?.length) return [];
    return forcedCaptionWords(this.facts(image), fusion, slots).flatMap((word) => this.tokenizer.encode(word));
  }

  async caption(image: ModelImage): Promise<GenerationResult> {
    const encoding = await this.encode(image);
    const { task_prefixes: prefixes, max_caption_tokens: maxTokens } = this.folder.config;
    return this.generate(encoding, this.prefix(prefixes.caption), maxTokens, this.captionForcedIds(image));
  }

  /**
   * The question rules of a 0.3 folder (config.json vqa): a question without words, with more words than the
   * model reads, or mostly out of vocabulary is refused with the reason (never cut, never guessed at).
   * Words are the tokenizer's pieces that contain a letter or a digit (models/training/infer.py check_question).
   */
  checkQuestion(question: string): void {
    const rules = this.folder.config.vqa;
    const words = this.tokenizer.words(question);
    if (words.length === 0) throw new ModelInputError(this.name, 'the question is empty: it has no words');
    if (!rules) return;
    if (words.length > rules.max_question_tokens) {
      throw new ModelInputError(this.name, `the question is too long: ${words.length} words; the model reads at most ${rules.max_question_tokens}`);
    }
    const unknown = words.filter((w) => this.tokenizer.isUnknown(w));
    if (unknown.length / words.length > rules.max_unknown_fraction) {
      throw new ModelInputError(
        this.name,
        `could not read the question: ${unknown.length} of ${words.length} words are not in the model's vocabulary (first ones: ${unknown.slice(0, 3).join(', ')})`,
      );
    }
  }

  /**
   * The input ids for a question: `<bos> <vqa> question <sep>`. A 0.3 folder (config.json vqa) takes the whole
   * checked question; a 0.2.0 folder cuts it to max_text_len − 12 tokens as its training did
   * (models/training/infer.py vqa_prefix / checked_vqa_prefix).
   */
  questionIds(question: string): number[] {
    const { max_text_len: maxTextLen, task_prefixes: prefixes, vqa } = this.folder.config;
    this.checkQuestion(question);
    const ids = this.tokenizer.encode(question);
    const room = Math.max(1, maxTextLen - QUESTION_RESERVE);
    return this.prefix(prefixes.vqa, vqa ? ids : ids.slice(0, room), [this.tokenizer.tokenId('<sep>')]);
  }

  async answer(image: ModelImage, question: string): Promise<GenerationResult> {
    const ids = this.questionIds(question);
    const encoding = await this.encode(image);
    const out = await this.generate(encoding, ids, this.folder.config.max_answer_tokens);
    const below = this.folder.config.answer_uncertain_below;
    return below === undefined ? out : { ...out, uncertain: out.probability < below };
  }

  /** The declared prompt the user's text names (trimmed, lower-cased, exact), else an error naming the supported ones. */
  checkPrompt(prompt: string): string {
    const checked = declaredPrompt(this.folder.config.segment_prompts, prompt);
    if (!checked.ok) throw new ModelInputError(this.name, checked.message);
    return checked.prompt;
  }

  /** The prompt ids for segmentation: `<bos> <seg> prompt` (a declared prompt). */
  promptIds(prompt: string): number[] {
    const { max_text_len: maxTextLen, task_prefixes: prefixes } = this.folder.config;
    return this.prefix(prefixes.segment, this.tokenizer.encode(this.checkPrompt(prompt)).slice(0, maxTextLen - 2));
  }

  /**
   * Mask logits at model resolution → probabilities of the image's content → resized to the image → thresholded;
   * with a presence output, a presence probability below presence_threshold gives an empty mask.
   */
  async segment(image: ModelImage, prompt: string): Promise<SegmentationResult> {
    const promptIds = this.promptIds(prompt);
    const encoding = await this.encode(image);
    const { files, image_size: size, mask_threshold: threshold, presence_threshold: presenceThreshold } = this.folder.config;
    const outputs = await this.runStep(this.maskDecoder, files.mask_decoder, {
      ...this.encoderFeeds(this.maskDecoder, encoding),
      prompt_ids: int64Tensor(promptIds),
    });
    const logits = outputs.mask_logits;
    if (logits.data.length !== size * size) {
      throw new ModelRunError(this.name, `${files.mask_decoder} output`, `mask_logits has shape [${logits.dims.join(', ')}], expected [1, 1, ${size}, ${size}]`);
    }
    const presence = outputs[PRESENCE_LOGITS];
    if (presence && presence.data.length !== 1) {
      throw new ModelRunError(this.name, `${files.mask_decoder} output`, `${PRESENCE_LOGITS} has shape [${presence.dims.join(', ')}], expected [1, 1]`);
    }
    const presenceProbability = presence ? sigmoid((presence.data as Float32Array)[0]) : null;
    if (presenceProbability !== null && presenceProbability < (presenceThreshold ?? DEFAULT_PRESENCE_THRESHOLD)) {
      return { width: image.width, height: image.height, mask: new Uint8Array(image.width * image.height), probabilityMean: null, present: false, presenceProbability };
    }
    let mask: MaskResult;
    try {
      mask = maskFromLogits(logits.data as Float32Array, size, image.width, image.height, threshold, this.folder.preprocessor.fit);
    } catch (e) {
      throw new ModelRunError(this.name, 'mask postprocessing', errorMessage(e));
    }
    return { ...mask, present: presenceProbability !== null || mask.probabilityMean !== null, presenceProbability };
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
    if (!this.embedGraphs) throw new ModelTaskUnsupportedError(this.name, 'embed', 'this model folder has no image_embed / text_embed graphs (config.json files), so it cannot embed');
    return this.embedGraphs;
  }

  /** The image's unit vector in the shared image–text space; the encoder run is the cached one. */
  async embedImage(image: ModelImage): Promise<Float32Array> {
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
