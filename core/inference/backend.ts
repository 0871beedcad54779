// What the model code needs of an inference runtime: load a graph, run it over plain typed arrays, release it.
// core/ speaks only this; the onnxruntime implementation lives with the worker process (workers/inference/backend.ts).

export type TensorData = Float32Array | BigInt64Array;

export interface HostTensor {
  dtype: 'float32' | 'int64';
  dims: readonly number[];
  data: TensorData;
}

/** One loaded graph (session). */
export interface InferenceSessionHandle {
  readonly file: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

export interface InferenceBackend {
  /** Creates a session for a graph file; rejects with the runtime's reason when the file is not a loadable model. */
  load(file: string): Promise<InferenceSessionHandle>;
}
