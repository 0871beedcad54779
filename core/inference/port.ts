// What core/services needs of an inference worker: the calls, and whether it is up. The composition roots
// (main/, host/, cli/) build the real one (core/inference/worker-client.ts InferenceClient over a worker process
// they start: a Node child or an Electron utility process) and hand core a factory, so core never depends on
// how the process is started.
import type { Result } from '../contract/result';
import type { EmbeddingValue, GenerationValue, LoadValue, SegmentationValue, WorkerImage } from './protocol';

export interface InferenceRequestOptions {
  timeoutMs?: number;
  /** Aborting drops the request: a queued one never runs, one in flight resolves to a 'cancelled' error at once. */
  signal?: AbortSignal;
}

export interface InferencePort {
  /** The model folder the worker serves, absolute. */
  readonly modelDir: string;
  /** Whether a live worker has the model loaded. */
  readonly loaded: boolean;
  load(options?: InferenceRequestOptions): Promise<Result<LoadValue>>;
  caption(image: WorkerImage, options?: InferenceRequestOptions): Promise<Result<GenerationValue>>;
  answer(image: WorkerImage, question: string, options?: InferenceRequestOptions): Promise<Result<GenerationValue>>;
  segment(image: WorkerImage, prompt: string, options?: InferenceRequestOptions): Promise<Result<SegmentationValue>>;
  embedImage(image: WorkerImage, options?: InferenceRequestOptions): Promise<Result<EmbeddingValue>>;
  embedText(text: string, options?: InferenceRequestOptions): Promise<Result<EmbeddingValue>>;
  dispose(): Promise<void>;
}

/** Starts the inference client of one model folder (the worker itself starts on its first request). */
export type InferencePortFactory = (modelDir: string) => InferencePort;
