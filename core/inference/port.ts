// What core/services needs of an inference worker: the calls, and whether it is up. The composition roots
// (main/, host/, cli/) build the real one (core/inference/worker-client.ts InferenceClient over a worker process
// they start: a Node child or an Electron utility process) and hand core a factory, so core never depends on
// how the process is started.
import type { Result } from '../contract/result';
import type { CaptionStep, EmbeddingValue, EmbeddingsValue, GenerationValue, LoadValue, SegmentationValue, WorkerImage } from './protocol';

/**
 * 'interactive' (the default): someone waits for it (the dock, a search box, a command); 'background': work nobody
 * watches (archive indexing). A queued interactive request always goes to the worker before queued background
 * ones; the one in flight is never interrupted, so an interactive request waits for at most one background run.
 */
export type RequestPriority = 'interactive' | 'background';

export interface InferenceRequestOptions {
  timeoutMs?: number;
  priority?: RequestPriority;
  /** Aborting drops the request: a queued one never runs, one in flight resolves to a 'cancelled' error at once. */
  signal?: AbortSignal;
}

export interface CaptionRequestOptions extends InferenceRequestOptions {
  /**
   * Hears the caption as it grows while the worker decodes: after the forced header words, then after each token,
   * in order, all before the answer. Not called after the request was cancelled.
   */
  onToken?: (step: CaptionStep) => void;
}

export interface InferencePort {
  /** The model folder the worker serves, absolute. */
  readonly modelDir: string;
  /** Whether a live worker has the model loaded. */
  readonly loaded: boolean;
  load(options?: InferenceRequestOptions): Promise<Result<LoadValue>>;
  caption(image: WorkerImage, options?: CaptionRequestOptions): Promise<Result<GenerationValue>>;
  answer(image: WorkerImage, question: string, options?: InferenceRequestOptions): Promise<Result<GenerationValue>>;
  segment(image: WorkerImage, prompt: string, options?: InferenceRequestOptions): Promise<Result<SegmentationValue>>;
  embedImage(image: WorkerImage, options?: InferenceRequestOptions): Promise<Result<EmbeddingValue>>;
  embedText(text: string, options?: InferenceRequestOptions): Promise<Result<EmbeddingValue>>;
  /** Several texts' vectors in one worker round trip, in their order; each equals embedText's. */
  embedTexts(texts: readonly string[], options?: InferenceRequestOptions): Promise<Result<EmbeddingsValue>>;
  dispose(): Promise<void>;
}

/** Starts the inference client of one model folder (the worker itself starts on its first request). */
export type InferencePortFactory = (modelDir: string) => InferencePort;
