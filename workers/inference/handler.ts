import path from 'node:path';
import { loadModelFolder } from '../../core/model/config';
import { ModelInputError, ModelLoadError, ModelRunError, ModelTaskUnsupportedError, errorMessage } from '../../core/model/errors';
import type { InferenceBackend } from './backend';
import { VisionLanguageModel } from '../../core/inference/model';
import { captionPipeline, imageEmbedPipeline, segmentPipeline, textEmbedPipeline, vqaPipeline } from '../../core/inference/pipelines';
import { workerRequestSchema, type WorkerProgress, type WorkerRequest, type WorkerResponse } from '../../core/inference/protocol';

const describeIssues = (issues: { path: PropertyKey[]; message: string }[]): string =>
  issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(message)'}: ${i.message}`)
    .join('; ');

const requestId = (message: unknown): number | null => {
  if (typeof message !== 'object' || message === null) return null;
  const id = (message as { id?: unknown }).id;
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : null;
};

/**
 * The worker's request handling, independent of the process plumbing: validates a message, loads the
 * model on first use (a failed load is retried on the next request, so a fixed folder recovers), runs
 * one request at a time, and answers every request with a result value naming the model and the step.
 * A streamed caption also sends its text as it grows through `onProgress`, before its answer.
 */
export function createRequestHandler(modelDir: string, backend: InferenceBackend): {
  handle(message: unknown, onProgress?: (progress: WorkerProgress) => void): Promise<WorkerResponse>;
  dispose(): Promise<void>;
} {
  const modelName = path.basename(path.resolve(modelDir));
  let model: Promise<VisionLanguageModel> | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  const getModel = (): Promise<VisionLanguageModel> => {
    if (!model) {
      const loading = (async () => VisionLanguageModel.load(loadModelFolder(modelDir), backend))();
      loading.catch(() => {
        if (model === loading) model = null;
      });
      model = loading;
    }
    return model;
  };

  const run = async (request: WorkerRequest, onProgress?: (progress: WorkerProgress) => void): Promise<unknown> => {
    const started = performance.now();
    const vlm = await getModel();
    const elapsed = () => performance.now() - started;
    switch (request.method) {
      case 'load':
        return { model: vlm.name, tasks: vlm.tasks, ms: elapsed() };
      case 'caption': {
        const stream = request.stream && onProgress ? (progress: WorkerProgress['progress']) => onProgress({ id: request.id, progress }) : undefined;
        const out = await captionPipeline(vlm, request.image, stream);
        return { model: vlm.name, ...out, ms: elapsed() };
      }
      case 'answer': {
        const out = await vqaPipeline(vlm, request.image, request.question);
        return { model: vlm.name, ...out, ms: elapsed() };
      }
      case 'segment': {
        const out = await segmentPipeline(vlm, request.image, request.prompt);
        return { model: vlm.name, ...out, ms: elapsed() };
      }
      case 'embedImage': {
        const embedding = await imageEmbedPipeline(vlm, request.image);
        return { model: vlm.name, version: vlm.folder.config.version, embedding, ms: elapsed() };
      }
      case 'embedText': {
        const embedding = await textEmbedPipeline(vlm, request.text);
        return { model: vlm.name, version: vlm.folder.config.version, embedding, ms: elapsed() };
      }
      case 'embedTexts': {
        // One round trip for all of them; each text still runs as embedText runs it, so each vector is the same.
        const embeddings: Float32Array[] = [];
        for (const text of request.texts) embeddings.push(await textEmbedPipeline(vlm, text));
        return { model: vlm.name, version: vlm.folder.config.version, embeddings, ms: elapsed() };
      }
    }
  };

  const handle = async (message: unknown, onProgress?: (progress: WorkerProgress) => void): Promise<WorkerResponse> => {
    const parsed = workerRequestSchema.safeParse(message);
    if (!parsed.success) {
      return { id: requestId(message), result: { ok: false, error: { code: 'invalid_arguments', message: `${modelName}: invalid request: ${describeIssues(parsed.error.issues)}` } } };
    }
    const request = parsed.data;
    // One request at a time: two concurrent ONNX runs would only fight over the same two cores.
    const answer = queue.then(() => run(request, onProgress));
    queue = answer.catch(() => undefined);
    try {
      return { id: request.id, result: { ok: true, value: await answer } };
    } catch (e) {
      // A refused input (undeclared prompt, unreadable question) is the caller's to fix: bad_input, not a model failure.
      if (e instanceof ModelInputError) return { id: request.id, result: { ok: false, error: { code: 'bad_input', message: e.message } } };
      if (e instanceof ModelTaskUnsupportedError) return { id: request.id, result: { ok: false, error: { code: 'unsupported', message: e.message } } };
      const text =
        e instanceof ModelLoadError || e instanceof ModelRunError
          ? e.message
          : `${modelName}: ${request.method} failed: ${errorMessage(e)}`;
      return { id: request.id, result: { ok: false, error: { code: 'model_error', message: text } } };
    }
  };

  return {
    handle,
    async dispose() {
      const loaded = model;
      model = null;
      if (loaded) await loaded.then((m) => m.release()).catch(() => undefined);
    },
  };
}
