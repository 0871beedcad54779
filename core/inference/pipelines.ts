// One pipeline per task, in the shape of transformers.js pipelines.js: a pipeline is the model's graphs plus
// the folder's processors (TextProcessor for ids and input rules, preprocess.ts for pixels and masks), with a
// task's pre- and post-processing around the graph runs. The worker's handler, the benchmark and the tests all
// run the tasks through here, so each task has one definition.
import { ModelRunError, errorMessage } from '../model/errors';
import { maskFromLogits, sigmoid, type MaskResult } from '../model/preprocess';
import type { GenerationResult, ModelImage, VisionLanguageModel } from './model';

export interface AnswerResult extends GenerationResult {
  /** Set for answers of a model with answer_uncertain_below. */
  uncertain?: boolean;
}

export interface SegmentationResult extends MaskResult {
  /** False when the presence probability is below presence_threshold (the mask is then empty). */
  present: boolean;
  /** null for a mask decoder without a presence_logits output (0.2.0). */
  presenceProbability: number | null;
}

export interface ZeroShotLabel {
  label: string;
  /** Softmax over the labels of the scaled cosines (sums to 1 over the labels). */
  score: number;
  /** Cosine of the image embedding and the label's ensembled text embedding. */
  cosine: number;
}

/** Without a presence_threshold in config.json, a presence output still decides at even odds. */
const DEFAULT_PRESENCE_THRESHOLD = 0.5;
/** The contrastive head's bounds (models/training/model.py Contrastive): its initial and largest logit scale. */
const INITIAL_LOGIT_SCALE = Math.log(1 / 0.07);
const MAX_LOGIT_SCALE = Math.log(100);
/** Where a label is written in a zero-shot template ("a {} scan" → "a ct scan"), as retrieval_eval.py's format(). */
const LABEL_SLOT = '{}';

/** `<caption>`: the header's forced words, then greedy decoding. */
export async function captionPipeline(model: VisionLanguageModel, image: ModelImage): Promise<GenerationResult> {
  const encoding = await model.encode(image);
  const forced = model.text.captionForcedIds(model.facts(image));
  return model.generate(encoding, model.text.captionPrefixIds(), model.folder.config.max_caption_tokens, forced);
}

/** Visual question answering: the question is checked (and refused) before the image is encoded. */
export async function vqaPipeline(model: VisionLanguageModel, image: ModelImage, question: string): Promise<AnswerResult> {
  const ids = model.text.questionIds(question);
  const encoding = await model.encode(image);
  const out = await model.generate(encoding, ids, model.folder.config.max_answer_tokens);
  const below = model.folder.config.answer_uncertain_below;
  return below === undefined ? out : { ...out, uncertain: out.probability < below };
}

/**
 * Segmentation of a declared prompt: mask logits at model resolution → probabilities of the image's content →
 * resized to the image → thresholded; with a presence output, a presence probability below presence_threshold
 * gives an empty mask.
 */
export async function segmentPipeline(model: VisionLanguageModel, image: ModelImage, prompt: string): Promise<SegmentationResult> {
  const promptIds = model.text.promptIds(prompt);
  const encoding = await model.encode(image);
  const { image_size: size, mask_threshold: threshold, presence_threshold: presenceThreshold } = model.folder.config;
  const { maskLogits, presenceLogit } = await model.decodeMask(encoding, promptIds);
  const presenceProbability = presenceLogit === null ? null : sigmoid(presenceLogit);
  if (presenceProbability !== null && presenceProbability < (presenceThreshold ?? DEFAULT_PRESENCE_THRESHOLD)) {
    return { width: image.width, height: image.height, mask: new Uint8Array(image.width * image.height), probabilityMean: null, present: false, presenceProbability };
  }
  let mask: MaskResult;
  try {
    mask = maskFromLogits(maskLogits, size, image.width, image.height, threshold, model.folder.preprocessor.fit);
  } catch (e) {
    throw new ModelRunError(model.name, 'mask postprocessing', errorMessage(e));
  }
  return { ...mask, present: presenceProbability !== null || mask.probabilityMean !== null, presenceProbability };
}

/** The image's unit vector in the shared image–text space; the encoder run is the cached one. */
export async function imageEmbedPipeline(model: VisionLanguageModel, image: ModelImage): Promise<Float32Array> {
  model.requireEmbedGraphs();
  return model.embedEncoding(await model.encode(image));
}

/** The text's unit vector in the shared image–text space. */
export async function textEmbedPipeline(model: VisionLanguageModel, text: string): Promise<Float32Array> {
  model.requireEmbedGraphs();
  return model.embedIds(model.text.textEmbedIds(text));
}

/** The contrastive temperature's inverse, as training clamps it: exp(min(logit_scale, ln 100)). */
export function zeroShotScale(logitScale: number | undefined): number {
  return Math.exp(Math.min(logitScale ?? INITIAL_LOGIT_SCALE, MAX_LOGIT_SCALE));
}

/** The mean of unit vectors, renormalised (prompt ensembling, models/training/retrieval_eval.py class_embeddings). */
export function ensembled(vectors: readonly Float32Array[]): Float32Array {
  const dim = vectors[0].length;
  const mean = new Float32Array(dim);
  for (const v of vectors) for (let i = 0; i < dim; i++) mean[i] += v[i] / vectors.length;
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += mean[i] * mean[i];
  norm = Math.max(Math.sqrt(norm), 1e-12);
  for (let i = 0; i < dim; i++) mean[i] /= norm;
  return mean;
}

/** Softmax of `scale · cosine` over the labels, in float64, largest first; ties keep the labels' order. */
export function rankLabels(labels: readonly string[], cosines: readonly number[], scale: number): ZeroShotLabel[] {
  const top = Math.max(...cosines.map((c) => scale * c));
  const weights = cosines.map((c) => Math.exp(scale * c - top));
  const total = weights.reduce((a, b) => a + b, 0);
  return labels
    .map((label, i) => ({ label, score: weights[i] / total, cosine: cosines[i] }))
    .sort((a, b) => b.score - a.score);
}

/**
 * Zero-shot classification: each label's text embedding is the mean of its templates' embeddings (each template's
 * `{}` filled with the label), renormalised; its score is the softmax over the labels of the cosine with the image
 * embedding times the model's logit scale (config.json embeddings.logit_scale).
 */
export async function zeroShotPipeline(
  model: VisionLanguageModel,
  image: ModelImage,
  labels: readonly string[],
  templates: readonly string[] = [LABEL_SLOT],
): Promise<ZeroShotLabel[]> {
  if (labels.length < 2) throw new ModelRunError(model.name, 'zero-shot', 'give at least two labels to choose between');
  const badTemplate = templates.find((t) => !t.includes(LABEL_SLOT));
  if (templates.length === 0 || badTemplate !== undefined) {
    throw new ModelRunError(model.name, 'zero-shot', `every template needs a ${LABEL_SLOT} where the label goes${badTemplate === undefined ? '' : ` ("${badTemplate}" has none)`}`);
  }
  const imageEmbedding = await imageEmbedPipeline(model, image);
  const cosines: number[] = [];
  for (const label of labels) {
    const perTemplate: Float32Array[] = [];
    for (const template of templates) perTemplate.push(await textEmbedPipeline(model, template.split(LABEL_SLOT).join(label)));
    const labelEmbedding = ensembled(perTemplate);
    let dot = 0;
    for (let i = 0; i < labelEmbedding.length; i++) dot += labelEmbedding[i] * imageEmbedding[i];
    cosines.push(dot);
  }
  return rankLabels(labels, cosines, zeroShotScale(model.folder.config.embeddings?.logit_scale));
}
