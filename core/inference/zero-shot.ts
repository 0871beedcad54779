// Zero-shot classification: the label sets the app classifies into and the arithmetic that scores them (prompt
// ensembling, softmax at the model's temperature). Pure: the text and image embeddings come from whoever calls
// (the in-process pipeline in pipelines.ts, or core/services/zero-shot-classify.ts through the inference worker),
// so both compute the same thing from one definition.

/** A named choice between labels, each label written into every template to make its text embedding. */
export interface ZeroShotSet {
  name: string;
  labels: readonly string[];
  templates: readonly string[];
}

export interface ZeroShotLabel {
  label: string;
  /** Softmax over the labels of the scaled cosines (sums to 1 over the labels). */
  score: number;
  /** Cosine of the image embedding and the label's ensembled text embedding. */
  cosine: number;
}

/** Where a label is written in a zero-shot template ("a {} scan" → "a ct scan"), as retrieval_eval.py's format(). */
export const LABEL_SLOT = '{}';

// THE DEFINITION of these lists is models/training/retrieval_eval.py (MODALITY_CLASSES, REGION_CLASSES,
// MODALITY_TEMPLATES, REGION_TEMPLATES): the zero-shot figures in each model's eval.json were measured with
// them. The app classifies with the same lists so its probabilities mean what the model card reports;
// zero-shot.test.ts reads retrieval_eval.py (and the shipped model's eval.json) and fails when they differ.
// config.json declares no label sets (the export writes none), so these are the defaults for every model.
const MODALITY_LABELS = ['ct', 'mri', 'x-ray', 'ultrasound'];
const REGION_LABELS = ['head', 'chest', 'abdomen'];
const MODALITY_TEMPLATES = ['{}.', '{} image.', 'a {} image.', 'a {} scan.', '{}, chest.', '{}, head.', '{}, abdomen.'];
const REGION_TEMPLATES = ['{}.', 'an image of the {}.', '{} image.', 'ct, {}.', 'mri, {}.', 'x-ray, {}.'];

/** What the app classifies an image into when no labels are given: its modality and its body region. */
export const DEFAULT_ZERO_SHOT_SETS: readonly ZeroShotSet[] = [
  { name: 'modality', labels: MODALITY_LABELS, templates: MODALITY_TEMPLATES },
  { name: 'region', labels: REGION_LABELS, templates: REGION_TEMPLATES },
];

/** The name of the one set made of the user's own labels. */
export const CUSTOM_SET_NAME = 'labels';

/**
 * Templates for the user's own labels: those both evaluated sets share ("{}." and "{} image."), the only ones
 * that neither presume a modality nor a region — a label may be either, or neither.
 */
export const CUSTOM_LABEL_TEMPLATES: readonly string[] = MODALITY_TEMPLATES.filter((t) => REGION_TEMPLATES.includes(t));

/** The set to classify into for the user's labels. */
export const customSet = (labels: readonly string[]): ZeroShotSet => ({ name: CUSTOM_SET_NAME, labels, templates: CUSTOM_LABEL_TEMPLATES });

/** The template with the label in its slot (every slot, as Python's str.format with one positional argument). */
export const fillTemplate = (template: string, label: string): string => template.split(LABEL_SLOT).join(label);

/** Why a set cannot be classified (fewer than two labels, a template without a slot), or null when it can. */
export function zeroShotSetProblem(set: ZeroShotSet): string | null {
  if (set.labels.length < 2) return 'give at least two labels to choose between';
  if (set.templates.length === 0) return `every template needs a ${LABEL_SLOT} where the label goes (there are none)`;
  const bad = set.templates.find((t) => !t.includes(LABEL_SLOT));
  return bad === undefined ? null : `every template needs a ${LABEL_SLOT} where the label goes ("${bad}" has none)`;
}

/** The contrastive head's bounds (models/training/model.py Contrastive): its initial and largest logit scale. */
const INITIAL_LOGIT_SCALE = Math.log(1 / 0.07);
const MAX_LOGIT_SCALE = Math.log(100);

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
 * One set's labels ranked for an image embedding: each label's text embedding is the mean of its templates'
 * embeddings (each template's slot filled with the label), renormalised; its score the softmax over the labels of
 * the cosine with the image embedding times `scale`. `embedText` gives a text's unit vector (it may throw).
 */
export async function rankSet(
  imageEmbedding: Float32Array,
  set: ZeroShotSet,
  embedText: (text: string) => Promise<Float32Array>,
  scale: number,
): Promise<ZeroShotLabel[]> {
  const cosines: number[] = [];
  for (const label of set.labels) {
    const perTemplate: Float32Array[] = [];
    for (const template of set.templates) perTemplate.push(await embedText(fillTemplate(template, label)));
    const labelEmbedding = ensembled(perTemplate);
    let dot = 0;
    for (let i = 0; i < labelEmbedding.length; i++) dot += labelEmbedding[i] * imageEmbedding[i];
    cosines.push(dot);
  }
  return rankLabels(set.labels, cosines, scale);
}
