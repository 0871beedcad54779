// Zero-shot classification through the inference worker, for the assistant.classify call and `vesalius classify`
// (one code path): the image embedding and the labels' template embeddings come from the worker's embed graphs,
// the ensembling and the softmax from core/inference/zero-shot.ts.
import type { ClassifyAnswer } from '../contract/assistant';
import { err, ok, type Result } from '../contract/result';
import { modelTasks, type ModelFolder } from '../model/config';
import type { InferencePort } from '../inference/port';
import { MAX_EMBED_TEXTS, type WorkerImage } from '../inference/protocol';
import { DEFAULT_ZERO_SHOT_SETS, customSet, fillTemplate, rankSet, zeroShotScale, zeroShotSetProblem, type ZeroShotSet } from '../inference/zero-shot';

/** What classification needs of the worker: the image embedding and the batched text embeddings. */
export type ClassifyPort = Pick<InferencePort, 'embedImage' | 'embedTexts'>;

/**
 * Most text embeddings kept. The default sets fill 37 distinct template texts (one embedTexts round trip); kept, the
 * next image costs one image embedding. 512 vectors of 0.3.0's 256 floats are 512 KiB.
 */
const TEXT_CACHE_ENTRIES = 512;

/**
 * Text embeddings by model folder, version and text, least recently used dropped first. A text embedding depends
 * on nothing else, so a kept one is the one the worker would compute.
 */
export class TextEmbeddingCache {
  private readonly vectors = new Map<string, Float32Array>();
  constructor(private readonly limit = TEXT_CACHE_ENTRIES) {}

  get(key: string): Float32Array | undefined {
    const vector = this.vectors.get(key);
    if (vector !== undefined) {
      this.vectors.delete(key);
      this.vectors.set(key, vector);
    }
    return vector;
  }

  set(key: string, vector: Float32Array): void {
    this.vectors.delete(key);
    this.vectors.set(key, vector);
    while (this.vectors.size > this.limit) this.vectors.delete(this.vectors.keys().next().value as string);
  }

  get size(): number {
    return this.vectors.size;
  }
}

/** Every distinct text the sets' labels fill into their templates, in first-use order. */
export const templateTexts = (sets: readonly ZeroShotSet[]): string[] => [
  ...new Set(sets.flatMap((set) => set.labels.flatMap((label) => set.templates.map((template) => fillTemplate(template, label))))),
];

/**
 * Each text's vector: the kept ones from the cache, the others from the worker in embedTexts requests of at most
 * MAX_EMBED_TEXTS (one for the default sets' 37), then kept; the worker's error as the value it was.
 */
async function textVectors(port: ClassifyPort, texts: readonly string[], keyOf: (text: string) => string, cache: TextEmbeddingCache): Promise<Result<Map<string, Float32Array>>> {
  const vectors = new Map<string, Float32Array>();
  const missing: string[] = [];
  for (const text of texts) {
    const kept = cache.get(keyOf(text));
    if (kept === undefined) missing.push(text);
    else vectors.set(text, kept);
  }
  for (let start = 0; start < missing.length; start += MAX_EMBED_TEXTS) {
    const batch = missing.slice(start, start + MAX_EMBED_TEXTS);
    const result = await port.embedTexts(batch);
    if (!result.ok) return result;
    batch.forEach((text, i) => {
      const vector = result.value.embeddings[i];
      cache.set(keyOf(text), vector);
      vectors.set(text, vector);
    });
  }
  return ok(vectors);
}

/** Why a model folder cannot classify (no embedding graphs), in words naming it; null when it can. */
export function classifyUnsupported(folder: ModelFolder): string | null {
  if (modelTasks(folder.config).includes('embed')) return null;
  return (
    `${folder.name} (version ${folder.config.version}) has no image_embed / text_embed graphs in its config.json files, so it cannot classify: ` +
    'zero-shot classification needs a model with image–text embeddings (vesalius-vlm 0.3 or later)'
  );
}

/** The sets to classify into: the user's labels as one set, else the default modality and region sets. */
export const setsToClassify = (labels: readonly string[] | undefined): readonly ZeroShotSet[] =>
  labels === undefined ? DEFAULT_ZERO_SHOT_SETS : [customSet(labels)];

/**
 * Classifies one image into each set: per set its labels with their probabilities (softmax of logit_scale ×
 * cosine, config.json embeddings.logit_scale), most probable first. Labels are taken as given (the contract's
 * classifyLabelsSchema checks them); a model without embeddings answers 'unsupported' before any worker call.
 */
export async function classifyImage(
  folder: ModelFolder,
  port: ClassifyPort,
  image: WorkerImage,
  labels: readonly string[] | undefined,
  cache: TextEmbeddingCache = new TextEmbeddingCache(),
): Promise<Result<ClassifyAnswer>> {
  const unsupported = classifyUnsupported(folder);
  if (unsupported !== null) return err('unsupported', unsupported);
  const sets = setsToClassify(labels);
  for (const set of sets) {
    const problem = zeroShotSetProblem(set);
    if (problem !== null) return err('invalid_arguments', `${folder.name}: labels: ${problem}`);
  }
  const started = performance.now();
  const imageEmbedding = await port.embedImage(image);
  if (!imageEmbedding.ok) return imageEmbedding;
  const { model, version } = imageEmbedding.value;

  const vectors = await textVectors(port, templateTexts(sets), (text) => `${folder.dir}\u0000${version}\u0000${text}`, cache);
  if (!vectors.ok) return vectors;
  const fetched = vectors.value;
  const embedText = async (text: string): Promise<Float32Array> => {
    const vector = fetched.get(text);
    // templateTexts filled every text rankSet asks for; a miss is a bug here, not the worker's.
    if (vector === undefined) throw new Error(`zero-shot: no embedding fetched for "${text}"`);
    return vector;
  };

  const scale = zeroShotScale(folder.config.embeddings?.logit_scale);
  const classified: ClassifyAnswer['sets'] = [];
  for (const set of sets) {
    const ranked = await rankSet(imageEmbedding.value.embedding, set, embedText, scale);
    classified.push({ name: set.name, labels: ranked.map(({ label, score, cosine }) => ({ label, probability: score, cosine })) });
  }
  return ok({ sets: classified, model, version, ms: performance.now() - started });
}
