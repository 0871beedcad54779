// What search needs of a model: its identity and two embedding calls. The client is the assistant's own
// inference worker client (one model load per process), which fits EmbeddingClient as it is.
import type { ImageHeader } from '../contract/assistant';
import type { EmbeddingModel } from '../contract/search';
import { err, ok, type Result } from '../contract/result';
import type { InferenceRequestOptions } from '../inference/port';
import type { RawImage } from '../model/preprocess';
import { unitVector } from './top-k';

/** The model's input image with the DICOM header tags a 0.3 model reads as facts (absent for PNG / JPEG). */
export type ModelImage = RawImage & { header?: ImageHeader };

/** A model's image and text embeddings in one space; every vector it gives is unit length and `model.dim` long. */
export interface EmbeddingPort {
  readonly model: EmbeddingModel;
  /** `priority: 'background'` for indexing: a request someone waits for (a search, the dock) goes to the worker first. */
  embedImage(image: ModelImage, options?: Pick<InferenceRequestOptions, 'priority'>): Promise<Result<Float32Array>>;
  embedText(text: string): Promise<Result<Float32Array>>;
}

/** An embedding as the inference worker answers it. */
export interface EmbeddingAnswer {
  model: string;
  version: string;
  embedding: Float32Array;
}

/** The inference client's embedding methods (core/inference/worker-client.ts InferenceClient), structurally. */
export interface EmbeddingClient {
  embedImage(image: ModelImage, options?: Pick<InferenceRequestOptions, 'priority'>): Promise<Result<EmbeddingAnswer>>;
  embedText(text: string): Promise<Result<EmbeddingAnswer>>;
}

/**
 * The port over an inference client for a model known from its folder. An answer from another version or of
 * another length than the folder declares is refused (its vectors could not be compared with the stored ones),
 * and every vector is checked finite and non-zero and normalised again.
 */
export function clientEmbeddingPort(model: EmbeddingModel, client: EmbeddingClient): EmbeddingPort {
  const checked = (what: string, answer: Result<EmbeddingAnswer>): Result<Float32Array> => {
    if (!answer.ok) return answer;
    const { version, embedding } = answer.value;
    if (version !== model.version) return err('model_error', `${model.name}: ${what} came from version ${version}, but the folder is version ${model.version}`);
    if (embedding.length !== model.dim) return err('model_error', `${model.name}: ${what} has ${embedding.length} values, but config.json embeddings.embed_dim is ${model.dim}`);
    try {
      return ok(unitVector(embedding, `${model.name}: ${what}`));
    } catch (e) {
      return err('model_error', e instanceof Error ? e.message : String(e));
    }
  };
  return {
    model,
    embedImage: async (image, options) => checked('the image embedding', await client.embedImage(image, options)),
    embedText: async (text) => checked('the text embedding', await client.embedText(text)),
  };
}
