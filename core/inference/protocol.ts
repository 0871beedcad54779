import { z } from 'zod';
import { assistantTaskSchema, imageHeaderSchema, imageKindSchema, MAX_IMAGE_SIDE } from '../contract/assistant';
import { typedArraySchema } from '../contract/primitives';

/**
 * Messages between the InferenceClient (core/inference/worker-client.ts) and the worker process, over the
 * WorkerChannel its composition root started: a Node child's IPC channel with `serialization: 'advanced'`, or an
 * Electron utility process's port; both structured clone, so typed arrays cross as they are. Both sides validate
 * with these schemas.
 */

export const workerImageSchema = z
  .object({
    kind: imageKindSchema,
    width: z.number().int().min(1).max(MAX_IMAGE_SIDE),
    height: z.number().int().min(1).max(MAX_IMAGE_SIDE),
    slope: z.number().finite().optional(),
    intercept: z.number().finite().optional(),
    data: typedArraySchema('Float32Array', 'Int16Array', 'Uint16Array', 'Uint8Array'),
    header: imageHeaderSchema.optional(),
  })
  .strict()
  .refine((img) => img.data.length === img.width * img.height * (img.kind === 'rgb8' ? 3 : 1), {
    message: 'data length does not match width × height (× 3 for rgb8)',
  });
export type WorkerImage = z.infer<typeof workerImageSchema>;

const id = z.number().int().min(0);

/** Longest text accepted for embedding (the model reads at most max_text_len tokens of it anyway). */
export const MAX_EMBED_TEXT_CHARS = 2000;
/**
 * Most texts in one embedTexts request: zero-shot's default sets fill 37 template texts, 16 labels × a few
 * templates stay well below it; 256 × 2000 chars bounds a request at 512 KB of text.
 */
export const MAX_EMBED_TEXTS = 256;
const embedTextSchema = z.string().min(1).max(MAX_EMBED_TEXT_CHARS);

export const workerRequestSchema = z.discriminatedUnion('method', [
  z.object({ id, method: z.literal('load') }).strict(),
  /** `stream`: send the caption as it grows (workerProgressSchema messages) before the answer. */
  z.object({ id, method: z.literal('caption'), image: workerImageSchema, stream: z.boolean().optional() }).strict(),
  z.object({ id, method: z.literal('answer'), image: workerImageSchema, question: z.string().min(1).max(2000) }).strict(),
  z.object({ id, method: z.literal('segment'), image: workerImageSchema, prompt: z.string().min(1).max(500) }).strict(),
  z.object({ id, method: z.literal('embedImage'), image: workerImageSchema }).strict(),
  z.object({ id, method: z.literal('embedText'), text: embedTextSchema }).strict(),
  /** Several texts in one round trip (zero-shot's templates × labels); answered in the texts' order. */
  z.object({ id, method: z.literal('embedTexts'), texts: z.array(embedTextSchema).min(1).max(MAX_EMBED_TEXTS) }).strict(),
]);
export type WorkerRequest = z.infer<typeof workerRequestSchema>;
export type WorkerMethod = WorkerRequest['method'];

export const loadValueSchema = z.object({ model: z.string(), tasks: z.array(assistantTaskSchema), ms: z.number() });
/** A unit vector (L2-normalised) of config.json embeddings.embed_dim values in the model's image–text space. */
export const embeddingValueSchema = z.object({
  model: z.string(),
  /** config.json version: embeddings of different versions are not comparable. */
  version: z.string(),
  embedding: typedArraySchema('Float32Array'),
  ms: z.number(),
});
/** embedTexts: one unit vector per text, in the request's order (the client checks the count against its request). */
export const embeddingsValueSchema = z.object({
  model: z.string(),
  version: z.string(),
  embeddings: z.array(typedArraySchema('Float32Array')).min(1).max(MAX_EMBED_TEXTS),
  ms: z.number(),
});
export const generationValueSchema = z.object({
  model: z.string(),
  text: z.string(),
  tokenIds: z.array(z.number().int()),
  /** How many of tokenIds were forced from the header (the caption prefix), not generated. */
  forcedTokens: z.number().int().min(0),
  /** Product of the softmax probabilities of each generated token, the end token included. */
  probability: z.number().min(0).max(1),
  /** Answers of a model with answer_uncertain_below: whether the probability is below it. */
  uncertain: z.boolean().optional(),
  /** Time spent in the worker (preprocessing, encoder when not cached, decoding). */
  ms: z.number(),
});
export const segmentationValueSchema = z.object({
  model: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  mask: typedArraySchema('Uint8Array'),
  probabilityMean: z.number().nullable(),
  present: z.boolean(),
  presenceProbability: z.number().min(0).max(1).nullable(),
  ms: z.number(),
});
export type LoadValue = z.infer<typeof loadValueSchema>;
export type GenerationValue = z.infer<typeof generationValueSchema>;
export type SegmentationValue = z.infer<typeof segmentationValueSchema>;
export type EmbeddingValue = z.infer<typeof embeddingValueSchema>;
export type EmbeddingsValue = z.infer<typeof embeddingsValueSchema>;

/** What each method answers with on success. */
export interface WorkerValues {
  load: LoadValue;
  caption: GenerationValue;
  answer: GenerationValue;
  segment: SegmentationValue;
  embedImage: EmbeddingValue;
  embedText: EmbeddingValue;
  embedTexts: EmbeddingsValue;
}

export const valueSchemas = {
  load: loadValueSchema,
  caption: generationValueSchema,
  answer: generationValueSchema,
  segment: segmentationValueSchema,
  embedImage: embeddingValueSchema,
  embedText: embeddingValueSchema,
  embedTexts: embeddingsValueSchema,
} as const;

/**
 * What a well-formed answer can still get wrong about its own request, in words; null when nothing. The schemas
 * check each answer's shape; only the request knows how many embeddings an embedTexts answer owes.
 */
export function answerMismatch(request: WorkerRequest, value: unknown): string | null {
  if (request.method !== 'embedTexts') return null;
  const { embeddings } = value as EmbeddingsValue;
  if (embeddings.length !== request.texts.length) return `${embeddings.length} embeddings for ${request.texts.length} texts`;
  const dim = embeddings[0].length;
  if (dim === 0 || embeddings.some((e) => e.length !== dim)) return 'embeddings of different or zero lengths';
  return null;
}

const errorSchema = z.object({ code: z.enum(['model_error', 'bad_input', 'invalid_arguments', 'unsupported', 'internal']), message: z.string() });

export const workerResponseSchema = z.object({
  /** null when the request was too malformed to carry an id. */
  id: id.nullable(),
  result: z.union([z.object({ ok: z.literal(true), value: z.unknown() }), z.object({ ok: z.literal(false), error: errorSchema })]),
});
export type WorkerResponse = z.infer<typeof workerResponseSchema>;

/** The text of a generation so far (core/inference/model.ts GenerationStep): `delta` is what this step added. */
export const generationStepSchema = z
  .object({ text: z.string(), delta: z.string(), tokens: z.number().int().min(0) })
  .strict()
  .refine((step) => step.text.endsWith(step.delta), { message: 'delta is not the end of text' });
export type CaptionStep = z.infer<typeof generationStepSchema>;

/** Sent by the worker while it runs a streamed request (any number, before that request's response). */
export const workerProgressSchema = z.object({ id, progress: generationStepSchema }).strict();
export type WorkerProgress = z.infer<typeof workerProgressSchema>;
