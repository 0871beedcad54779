import path from 'node:path';
import { CAPTION_PROGRESS_MAX_CHARS, type AssistantImage, type AssistantTask, type TextAnswer, type assistantCalls } from '../contract/assistant';
import { err, ok, type Result } from '../contract/result';
import { projectRoot } from '../config/data-dir';
import type { modelCalls } from '../contract/models';
import { modelTasks, type ModelFolder } from '../model/config';
import { userModelsDirOf } from '../model/registry';
import type { InferencePort, InferencePortFactory } from '../inference/port';
import type { CaptionStep, GenerationValue, WorkerImage } from '../inference/protocol';
import type { Emit } from '../transport/event-bus';
import type { DomainHandlers } from './context';
import { ModelChoice } from './model-choice';
import { createModelChoiceHandlers } from './model-choice-handlers';
import { classifyImage, classifyUnsupported, TextEmbeddingCache } from './zero-shot-classify';

export interface AssistantHandlerDeps {
  /** Where bundled model folders live; the default model is chosen from here (see defaultModel). */
  modelsDir?: string;
  /** Use this model folder until the user picks another (assistant.selectModel). */
  modelDir?: string;
  /** The data home: the user's model folders (`models/`) and the kept choice (`settings.json`). Without it, neither. */
  home?: string;
  /**
   * Starts the inference client of a model folder: the composition root's choice of process (a Node child, an
   * Electron utility process). Without it the assistant's model calls answer 'unsupported'.
   */
  createClient?: InferencePortFactory;
  /** Page events: a caption asked with a streamId is sent as it grows (assistant.captionProgress). */
  emit?: Emit;
  /**
   * Called when assistant.selectModel changes the model in use, before the old folder's inference client is
   * disposed: work going through that client (an archive indexing run) stops here, rather than fail on it.
   */
  onModelSwitching?: () => void;
  /** Called after assistant.selectModel changed the model in use (archive search indexes with the new one). */
  onModelSwitched?: () => void;
}

export interface AssistantService {
  handlers: DomainHandlers<typeof assistantCalls & typeof modelCalls>;
  /**
   * The chosen model folder and its inference client: the same worker the assistant calls use, so other
   * services (archive search's embeddings) do not start a second one. An error when no usable folder is there.
   */
  inference(): Result<{ folder: ModelFolder; client: InferencePort }>;
  /** Stops the inference worker, if one was started. */
  dispose(): Promise<void>;
}

export const defaultModelsDir = (): string => path.join(projectRoot, 'models');

/**
 * The token listener of a streamed caption: each step as an assistant.captionProgress event named by the page's id.
 * Steps past the event's bound are not sent (the answer still carries the whole text): the bus would refuse them,
 * and a listener that throws fails the caption.
 */
const captionStream =
  (emit: Emit, streamId: string) =>
  ({ text, delta, tokens }: CaptionStep): void => {
    if (text.length > CAPTION_PROGRESS_MAX_CHARS || tokens > CAPTION_PROGRESS_MAX_CHARS) return;
    emit('assistant.captionProgress', { streamId, text, delta, tokens });
  };

/** The contract's image as the worker takes it: the same typed array (it crosses to the worker by structured clone). */
export function workerImageOf(image: AssistantImage): WorkerImage {
  const decoded: WorkerImage = { kind: image.kind, width: image.width, height: image.height, data: image.pixels };
  if (image.slope !== undefined) decoded.slope = image.slope;
  if (image.intercept !== undefined) decoded.intercept = image.intercept;
  if (image.header !== undefined) decoded.header = image.header;
  return decoded;
}

/**
 * The assistant's calls. The inference worker is started on the first caption/ask/segment (not for status),
 * and stopped by dispose().
 */
export function createAssistantHandlers(deps: AssistantHandlerDeps = {}): AssistantService {
  const modelsDir = deps.modelsDir ?? defaultModelsDir();
  let client: InferencePort | null = null;
  /** The classify label sets' text embeddings, kept across calls (keyed by model folder and version). */
  const classifyTexts = new TextEmbeddingCache();

  const choice = new ModelChoice({ bundledDir: modelsDir, home: deps.home ?? null, startDir: deps.modelDir ?? null });
  const noModel = () =>
    `no model folder found under ${modelsDir}${deps.home === undefined ? '' : ` or ${userModelsDirOf(deps.home)}`} (a folder with a config.json of model_type "vesalius-vlm")`;

  /** The folder's JSON files are checked here first, so a broken folder is reported without starting a worker. */
  const readyFolder = (call: string): Result<ModelFolder> => {
    const { model } = choice.current();
    if (model === null) return err('not_found', `${call}: ${noModel()}`);
    return model.folder ? ok(model.folder) : err('model_error', `${call}: ${model.entry.problem}`);
  };
  /** After a switch: the old folder's worker is stopped now (not at the next request), so its memory is freed. */
  const switched = async (modelDir: string): Promise<void> => {
    deps.onModelSwitching?.();
    if (client && path.resolve(client.modelDir) !== path.resolve(modelDir)) {
      const old = client;
      client = null;
      await old.dispose();
    }
    deps.onModelSwitched?.();
  };

  const clientFor = (folder: ModelFolder): InferencePort => {
    if (client && path.resolve(client.modelDir) !== folder.dir) {
      void client.dispose();
      client = null;
    }
    client ??= createClient(folder.dir);
    return client;
  };
  const noWorker = (modelDir: string): InferencePort => {
    const refuse = async () => err('unsupported', `${path.basename(modelDir)}: this process has no inference worker to run the model`);
    return { modelDir, loaded: false, load: refuse, caption: refuse, answer: refuse, segment: refuse, embedImage: refuse, embedText: refuse, embedTexts: refuse, dispose: async () => undefined };
  };
  const createClient: InferencePortFactory = deps.createClient ?? noWorker;

  /** Caption and answer come back the same way: the text, how many tokens it took, which model, how long. */
  const textAnswer = (result: Result<GenerationValue>, startedMs: number): Result<TextAnswer> =>
    result.ok
      ? ok({ text: result.value.text, tokens: result.value.tokenIds.length, model: result.value.model, ms: performance.now() - startedMs })
      : result;

  /**
   * An answer also says how likely it is (0.3 folders with answer_probability "sequence") and, where the folder
   * calibrated a threshold, whether it is uncertain.
   */
  const answerWithProbability = (result: Result<GenerationValue>, folder: ModelFolder, startedMs: number): Result<TextAnswer> => {
    const answer = textAnswer(result, startedMs);
    if (!answer.ok || !result.ok || folder.config.answer_probability !== 'sequence') return answer;
    const { probability, uncertain } = result.value;
    return ok({ ...answer.value, probability, ...(uncertain === undefined ? {} : { uncertain }) });
  };

  const handlers: DomainHandlers<typeof assistantCalls & typeof modelCalls> = {
    ...createModelChoiceHandlers(choice, switched),
    'assistant.status': async () => {
      const { model } = choice.current();
      const base = { loaded: false, segmentPrompts: [] as string[], tasks: [] as AssistantTask[] };
      if (model === null) return ok({ ...base, model: null, version: null, description: null, parameters: null, problem: noModel() });
      const { folder } = model;
      if (folder === null) return ok({ ...base, model: model.entry.name, version: null, description: null, parameters: null, problem: model.entry.problem });
      const { config } = folder;
      return ok({
        model: folder.name,
        version: config.version,
        description: config.description ?? `${config.model_type} ${config.version}: caption, question answering and segmentation (${config.parameters.toLocaleString('en-US')} parameters)`,
        parameters: config.parameters,
        loaded: client !== null && client.loaded && client.modelDir === folder.dir,
        segmentPrompts: config.segment_prompts,
        tasks: modelTasks(config),
        problem: null,
      });
    },
    'assistant.caption': async ({ image, streamId }) => {
      const folder = readyFolder('assistant.caption');
      if (!folder.ok) return folder;
      const started = performance.now();
      const onToken = streamId !== undefined && deps.emit ? captionStream(deps.emit, streamId) : undefined;
      const result = await clientFor(folder.value).caption(workerImageOf(image), onToken ? { onToken } : {});
      // A caption always says how likely it is: the same product as an answer's, over the generated tokens.
      const answer = textAnswer(result, started);
      return answer.ok && result.ok ? ok({ ...answer.value, probability: result.value.probability }) : answer;
    },
    'assistant.ask': async ({ image, question }) => {
      const folder = readyFolder('assistant.ask');
      if (!folder.ok) return folder;
      const started = performance.now();
      return answerWithProbability(await clientFor(folder.value).answer(workerImageOf(image), question), folder.value, started);
    },
    'assistant.segment': async ({ image, prompt }) => {
      const folder = readyFolder('assistant.segment');
      if (!folder.ok) return folder;
      const started = performance.now();
      const result = await clientFor(folder.value).segment(workerImageOf(image), prompt);
      if (!result.ok) return result;
      const { width, height, mask, probabilityMean, present, presenceProbability, model } = result.value;
      return ok({
        width,
        height,
        mask,
        ...(probabilityMean === null ? {} : { probabilityMean }),
        present,
        ...(presenceProbability === null ? {} : { presenceProbability }),
        model,
        ms: performance.now() - started,
      });
    },
    'assistant.classify': async ({ image, labels }) => {
      const folder = readyFolder('assistant.classify');
      if (!folder.ok) return folder;
      // Refused before a worker starts: a model without embeddings cannot classify.
      const unsupported = classifyUnsupported(folder.value);
      if (unsupported !== null) return err('unsupported', `assistant.classify: ${unsupported}`);
      return classifyImage(folder.value, clientFor(folder.value), workerImageOf(image), labels, classifyTexts);
    },
  };

  return {
    handlers,
    inference() {
      const folder = readyFolder('inference');
      return folder.ok ? ok({ folder: folder.value, client: clientFor(folder.value) }) : folder;
    },
    async dispose() {
      const running = client;
      client = null;
      if (running) await running.dispose();
    },
  };
}
