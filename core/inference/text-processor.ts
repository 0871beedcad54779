// The text side of a model folder's processor (tokenizer.json + config.json): the input ids each task feeds the
// graphs, and the input rules that refuse a question or a prompt before any graph runs.
import type { ModelFolder } from '../model/config';
import { ModelInputError, ModelRunError } from '../model/errors';
import { forcedCaptionWords, type HeaderFacts } from '../model/header-facts';
import { declaredPrompt } from '../model/segment-prompt';
import { WordLevelTokenizer } from '../model/tokenizer';

/** Tokens kept free after a question (prefix, `<sep>`, answer): the training code's own cut. */
const QUESTION_RESERVE = 12;

export class TextProcessor {
  readonly tokenizer: WordLevelTokenizer;

  constructor(
    private readonly folder: ModelFolder,
    /** Names the model in every refusal. */
    private readonly modelName: string = folder.name,
  ) {
    this.tokenizer = new WordLevelTokenizer(folder.tokenizer);
  }

  private prefix(task: string, words: number[] = [], suffix: number[] = []): number[] {
    return [this.folder.config.bos_token_id, this.tokenizer.tokenId(task), ...words, ...suffix];
  }

  /** `<bos> <caption>`: what the decoder reads before the (forced, then generated) caption words. */
  captionPrefixIds(): number[] {
    return this.prefix(this.folder.config.task_prefixes.caption);
  }

  /**
   * The caption's forced start: when the header's modality is known and the folder has caption_prefix_slots,
   * the known prefix slots' words each followed by "," ("ct , axial ,"), so a caption never contradicts the header.
   */
  captionForcedIds(facts: HeaderFacts): number[] {
    const { header_fusion: fusion, caption_prefix_slots: slots } = this.folder.config;
    if (!fusion || !slots?.length) return [];
    return forcedCaptionWords(facts, fusion, slots).flatMap((word) => this.tokenizer.encode(word));
  }

  /**
   * The question rules of a 0.3 folder (config.json vqa): a question without words, with more words than the
   * model reads, or mostly out of vocabulary is refused with the reason (never cut, never guessed at).
   * Words are the tokenizer's pieces that contain a letter or a digit (models/training/infer.py check_question).
   */
  checkQuestion(question: string): void {
    const rules = this.folder.config.vqa;
    const words = this.tokenizer.words(question);
    if (words.length === 0) throw new ModelInputError(this.modelName, 'the question is empty: it has no words');
    if (!rules) return;
    if (words.length > rules.max_question_tokens) {
      throw new ModelInputError(this.modelName, `the question is too long: ${words.length} words; the model reads at most ${rules.max_question_tokens}`);
    }
    const unknown = words.filter((w) => this.tokenizer.isUnknown(w));
    if (unknown.length / words.length > rules.max_unknown_fraction) {
      throw new ModelInputError(
        this.modelName,
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

  /** The declared prompt the user's text names (trimmed, lower-cased, exact), else an error naming the supported ones. */
  checkPrompt(prompt: string): string {
    const checked = declaredPrompt(this.folder.config.segment_prompts, prompt);
    if (!checked.ok) throw new ModelInputError(this.modelName, checked.message);
    return checked.prompt;
  }

  /** The prompt ids for segmentation: `<bos> <seg> prompt` (a declared prompt). */
  promptIds(prompt: string): number[] {
    const { max_text_len: maxTextLen, task_prefixes: prefixes } = this.folder.config;
    return this.prefix(prefixes.segment, this.tokenizer.encode(this.checkPrompt(prompt)).slice(0, maxTextLen - 2));
  }

  /**
   * The ids text_embed.onnx reads: `<bos> words <eos>`, cut to max_text_len like the training code
   * (models/training/contrastive.py text_ids: `([<bos>] + words)[: max_len − 1] + [<eos>]`).
   */
  textEmbedIds(text: string): number[] {
    const { bos_token_id: bos, eos_token_id: eos, max_text_len: maxTextLen } = this.folder.config;
    if (this.tokenizer.words(text).length === 0) throw new ModelRunError(this.modelName, 'embed', 'the text has no words to embed');
    const words = this.tokenizer.encode(text);
    return [...[bos, ...words].slice(0, maxTextLen - 1), eos];
  }
}
