// Archive search (issue 13 item 4): every catalogued image has an embedding from the assistant's model; a text or
// an image is embedded the same way and the catalog's images are ranked by cosine similarity to it.
// Indexing is a background job (kind `searchIndex`): progress as `jobs.progress` events, cancel with `jobs.cancel`,
// the summary from `jobs.status` once done.
import { z } from 'zod';
import { defineCall } from './define';
import { assistantImageSchema } from './assistant';
import { pathSchema, seriesKeySchema, jobIdSchema, typedArraySchema } from './primitives';

/** Most results one search returns. */
export const MAX_SEARCH_RESULTS = 200;
/** Results a search returns when `k` is not given. */
export const DEFAULT_SEARCH_RESULTS = 20;
/** Longest text query accepted (the model's tokenizer truncates far earlier). */
export const MAX_SEARCH_TEXT = 500;

/** The embedding model an index was built with: vectors of different models or versions are never compared. */
export const embeddingModelSchema = z.object({
  name: z.string(),
  version: z.string(),
  /** Length of every vector (all L2-normalised). */
  dim: z.number().int().min(1),
});
export type EmbeddingModel = z.infer<typeof embeddingModelSchema>;

export const searchIndexStatusSchema = z.object({
  /** The model searches use now; null when no model with embedding heads is installed (see `problem`). */
  model: embeddingModelSchema.nullable(),
  /** Images (file + frame) with an embedding of the current model version whose file is unchanged since. */
  indexed: z.number().int().min(0),
  /** Images the catalog holds (present files; one per frame indexed, see core/search/README.md). */
  total: z.number().int().min(0),
  /** Images that could not be decoded or embedded (each recorded with its reason, not retried until the file changes). */
  failed: z.number().int().min(0),
  /** Whether an indexing job is running now, and its id (for `jobs.cancel` and `jobs.progress` events). */
  running: z.boolean(),
  jobId: jobIdSchema.nullable(),
  /** Why search cannot run (no model, a model without embedding heads); null when it can. */
  problem: z.string().nullable(),
});
export type SearchIndexStatus = z.infer<typeof searchIndexStatusSchema>;

/** What an indexing job did: the `result` of `jobs.status` for a `searchIndex` job. */
export const searchIndexSummarySchema = z.object({
  model: embeddingModelSchema,
  /** Images embedded by this run. */
  embedded: z.number().int().min(0),
  /** Images skipped because they already had an embedding of this model version and an unchanged file. */
  skipped: z.number().int().min(0),
  /** Images that failed in this run, with the reason (the file path and 1-based frame named); the first 500. */
  failed: z.array(z.object({ filePath: z.string(), frame: z.number().int().min(1), reason: z.string() })),
  /** How many failed in this run (all are stored with their reason). */
  failedCount: z.number().int().min(0),
  /** Embeddings removed because their file left the catalog or went missing. */
  removed: z.number().int().min(0),
  ms: z.number(),
});
export type SearchIndexSummary = z.infer<typeof searchIndexSummarySchema>;

/** One ranked image. */
export const searchHitSchema = z.object({
  filePath: z.string(),
  /** 1-based frame (DICOM numbering); 1 for single-frame images. */
  frame: z.number().int().min(1),
  seriesKey: seriesKeySchema,
  studyKey: seriesKeySchema,
  sopInstanceUid: z.string(),
  /** Opaque key of the file for the /dicom/<fileKey> byte routes (thumbnails), never a path. */
  fileKey: z.string(),
  /** Cosine similarity to the query, −1…1, higher is closer. */
  score: z.number(),
  modality: z.string(),
  /** The series description (blank when the file has none). */
  description: z.string(),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const searchResultsSchema = z.object({
  model: embeddingModelSchema,
  /** Best first; at most k. Equal scores keep file path then frame order (stable). */
  results: z.array(searchHitSchema),
  /** Embeddings the query was compared with. */
  searched: z.number().int().min(0),
  /** Time for the whole call (embedding the query and ranking) in milliseconds. */
  ms: z.number(),
});
export type SearchResults = z.infer<typeof searchResultsSchema>;

const kSchema = z.number().int().min(1).max(MAX_SEARCH_RESULTS).default(DEFAULT_SEARCH_RESULTS);

export const searchTextArgsSchema = z
  .object({
    text: z.string().trim().min(1, 'is empty: type what to search for').max(MAX_SEARCH_TEXT),
    k: kSchema,
  })
  .strict();

/**
 * The image to find similar ones to: a catalogued instance by SOP Instance UID or by file path, and its 1-based
 * frame. The image itself is left out of the results.
 */
export const searchSimilarArgsSchema = z
  .object({
    seriesKey: seriesKeySchema,
    sopInstanceUid: z.string().min(1).max(64).optional(),
    filePath: pathSchema.optional(),
    frame: z.number().int().min(1).default(1),
    k: kSchema,
  })
  .strict()
  .refine((a) => (a.sopInstanceUid === undefined) !== (a.filePath === undefined), {
    message: 'give exactly one of sopInstanceUid and filePath',
    path: ['sopInstanceUid'],
  });
export type SearchSimilarArgs = z.output<typeof searchSimilarArgsSchema>;

/** An image's embedding: the model's unit vector (`model.dim` float32 values, binary on every transport). */
export const imageEmbeddingSchema = z.object({ model: embeddingModelSchema, vector: typedArraySchema('Float32Array') });
export type ImageEmbedding = z.infer<typeof imageEmbeddingSchema>;

/** A file and its frame whose stored embedding is asked for (`vesalius embed`). */
export const storedEmbeddingArgsSchema = z.object({ filePath: pathSchema, frame: z.number().int().min(1) }).strict();

/** The stored embedding, or null: not catalogued, the file changed since, another frame, or not indexed with this model version. */
export const storedEmbeddingSchema = z.object({ model: embeddingModelSchema, vector: typedArraySchema('Float32Array').nullable() });
export type StoredEmbedding = z.infer<typeof storedEmbeddingSchema>;

export const searchCalls = {
  /** How much of the catalog is indexed for search, with which model, and whether an indexing job runs. */
  'search.indexStatus': defineCall(z.object({}).strict(), searchIndexStatusSchema),
  /**
   * Starts indexing the catalog's images not yet embedded (or whose file changed); returns the running job's id
   * when one already runs. `unsupported` when there is no embedding model.
   */
  'search.indexStart': defineCall(z.object({}).strict(), z.object({ jobId: jobIdSchema })),
  /** Indexed images ranked by similarity to a text ("chest ct", "head mri with hemorrhage"). */
  'search.text': defineCall(searchTextArgsSchema, searchResultsSchema),
  /** Indexed images ranked by similarity to one catalogued image (embedded now if it is not indexed yet). */
  'search.similar': defineCall(searchSimilarArgsSchema, searchResultsSchema),
  /** Indexed images ranked by similarity to an image given as pixels (one not in the catalog: a PNG, a JPEG). */
  'search.image': defineCall(z.object({ image: assistantImageSchema, k: kSchema }).strict(), searchResultsSchema),
  /** An image's embedding with the search model (`vesalius embed`). */
  'search.embedImage': defineCall(z.object({ image: assistantImageSchema }).strict(), imageEmbeddingSchema),
  /**
   * The search index's embedding of a catalogued file's frame with the search model, when it is up to date: the
   * file's size and mtime now equal the catalog's and the row's, and the model version matches (`vesalius embed`
   * reuses it instead of computing it again).
   */
  'search.storedEmbedding': defineCall(storedEmbeddingArgsSchema, storedEmbeddingSchema),
} as const;
