// One pipeline per task, in the shape of transformers.js pipelines.js: a pipeline is the model's graphs plus
// the folder's processors (TextProcessor for ids and input rules, preprocess.ts for pixels and masks), with a
// task's pre- and post-processing around the graph runs. The worker's handler, the benchmark and the tests all
// run the tasks through here, so each task has one definition.
import { ModelRunError, errorMessage } from '../model/errors';
import { maskFromLogits, sigmoid, type MaskResult } from '../model/preprocess';
import type { GenerationResult, GenerationStep, ModelImage, VisionLanguageModel } from './model';
import { LABEL_SLOT, rankSet, zeroShotScale, zeroShotSetProblem, type ZeroShotLabel } from './zero-shot';

// The zero-shot arithmetic lives in zero-shot.ts (shared with the worker-side classify service); callers of the pipelines find it here too.
export { ensembled, rankLabels, zeroShotScale, type ZeroShotLabel } from './zero-shot';

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

/** Without a presence_threshold in config.json, a presence output still decides at even odds. */
const DEFAULT_PRESENCE_THRESHOLD = 0.5;

/** `<caption>`: the header's forced words, then greedy decoding; `onStep` hears the caption as it grows. */
export async function captionPipeline(model: VisionLanguageModel, image: ModelImage, onStep?: (step: GenerationStep) => void): Promise<GenerationResult> {
  const encoding = await model.encode(image);
  const forced = model.text.captionForcedIds(model.facts(image));
  return model.generate(encoding, model.text.captionPrefixIds(), model.folder.config.max_caption_tokens, forced, onStep);
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
 * Segmentation of a declared prompt: mask logits at the mask decoder's resolution (model.maskSize: mask_size with a
 * mask refiner, else image_size) → probabilities of the image's content → resized to the image → thresholded; with
 * a presence output, a presence probability below presence_threshold gives an empty mask.
 */
export async function segmentPipeline(model: VisionLanguageModel, image: ModelImage, prompt: string): Promise<SegmentationResult> {
  const promptIds = model.text.promptIds(prompt);
  const encoding = await model.encode(image);
  const { mask_threshold: threshold, presence_threshold: presenceThreshold } = model.folder.config;
  const { maskLogits, presenceLogit } = await model.decodeMask(image, encoding, promptIds);
  const presenceProbability = presenceLogit === null ? null : sigmoid(presenceLogit);
  if (presenceProbability !== null && presenceProbability < (presenceThreshold ?? DEFAULT_PRESENCE_THRESHOLD)) {
    return { width: image.width, height: image.height, mask: new Uint8Array(image.width * image.height), probabilityMean: null, present: false, presenceProbability };
  }
  let mask: MaskResult;
  try {
    mask = maskFromLogits(maskLogits, model.maskSize, image.width, image.height, threshold, model.folder.preprocessor.fit);
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

/**
 * Zero-shot classification: each label's text embedding is the mean of its templates' embeddings (each template's
 * `{}` filled with the label), renormalised; its score is the softmax over the labels of the cosine with the image
 * embedding times the model's logit scale (config.json embeddings.logit_scale). The arithmetic is zero-shot.ts's.
 */
export async function zeroShotPipeline(
  model: VisionLanguageModel,
  image: ModelImage,
  labels: readonly string[],
  templates: readonly string[] = [LABEL_SLOT],
): Promise<ZeroShotLabel[]> {
  const problem = zeroShotSetProblem({ name: 'labels', labels, templates });
  if (problem !== null) throw new ModelRunError(model.name, 'zero-shot', problem);
  const imageEmbedding = await imageEmbedPipeline(model, image);
  const scale = zeroShotScale(model.folder.config.embeddings?.logit_scale);
  return rankSet(imageEmbedding, { name: 'labels', labels, templates }, (text) => textEmbedPipeline(model, text), scale);
}
