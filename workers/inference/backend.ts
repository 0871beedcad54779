// The only module that imports onnxruntime-node: everything above it speaks plain typed arrays.
import * as ort from 'onnxruntime-node';
import type { HostTensor, InferenceBackend, InferenceSessionHandle } from '../../core/inference/backend';

export type { HostTensor, InferenceBackend, InferenceSessionHandle, TensorData } from '../../core/inference/backend';

export interface BackendOptions {
  /** Threads inside one operator; 2 matches the laptop target and this machine. */
  intraOpNumThreads?: number;
  /**
   * Whether onnxruntime's pool threads busy-wait for more work after each parallel section (its default). Off by
   * default: measured on tiny-random, a 1 ms text embedding then burns ~32 ms of CPU spinning, which on a 2-core
   * machine takes the core the worker needs to send its answer and the app needs to read it (warm calls through the
   * worker were 8–35× the in-process run; bench/assistant). Calls here are sporadic, so a hot pool buys nothing.
   */
  allowSpinning?: boolean;
}

const toHostTensor = (name: string, value: ort.OnnxValue): HostTensor => {
  if (!(value instanceof ort.Tensor)) throw new Error(`output ${name} is not a tensor`);
  if (value.type === 'float32' && value.data instanceof Float32Array) return { dtype: 'float32', dims: [...value.dims], data: value.data };
  if (value.type === 'int64' && value.data instanceof BigInt64Array) return { dtype: 'int64', dims: [...value.dims], data: value.data };
  throw new Error(`output ${name} has unsupported type ${value.type}`);
};

class OrtSession implements InferenceSessionHandle {
  constructor(
    readonly file: string,
    private readonly session: ort.InferenceSession,
  ) {}

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(tensor.dtype, tensor.data, tensor.dims);
    const results = await this.session.run(ortFeeds);
    const out: Record<string, HostTensor> = {};
    for (const [name, value] of Object.entries(results)) out[name] = toHostTensor(name, value);
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** onnxruntime-node on the CPU. */
export function createOrtBackend(options: BackendOptions = {}): InferenceBackend {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: options.intraOpNumThreads ?? 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // onnxruntime_session_options_config_keys.h; the Node binding takes them as flat string entries.
    extra: options.allowSpinning ? {} : { 'session.intra_op.allow_spinning': '0', 'session.inter_op.allow_spinning': '0' },
  };
  return {
    async load(file: string): Promise<InferenceSessionHandle> {
      const session = await ort.InferenceSession.create(file, sessionOptions);
      return new OrtSession(file, session);
    },
  };
}
