import type { Api } from '../../../core/contract/index';
import type { AssistantStatus } from '../../../core/contract/assistant';
import type { MaskSetInfo } from '../../../core/contract/masks';
import type { ModelScore, ModelSlice } from '../../../core/contract/model-outputs';
import type { Result } from '../../../core/contract/result';
import type { OpenSeries, ViewerState } from '../state/viewer.svelte';
import { describeLoadError } from '../lib/errors';
import { currentSlice, seriesSliceImage, type CurrentSlice } from './viewportImage';
import { maskAreaCm2, paintMask, type PaintedMask } from './maskPaint';
import { answerLine, segmentationLine } from './format';
import { modelSliceOf, notFoundText, structureFound } from './modelSlice';
import { runSeries, seriesOutcomeLine } from './seriesRun';
import { dockOffers, promptToKeep } from './dockOffers';
import { followCaption, newCaptionStreamId } from './captionStream';

export type AssistantAction = 'caption' | 'ask' | 'segment';


export interface AssistantAnswer {
  id: number;
  action: AssistantAction;
  /** What was asked: "Description", the question, or the segmentation prompt. */
  request: string;
  text: string;
  model: string;
  ms: number;
  sliceLabel: string;
  /** Probability of the answer (product of its tokens'), when the model reports one. */
  probability: number | null;
  /** Below the model's calibrated threshold; null when the model has none. */
  uncertain: boolean | null;
  /** The image it was asked about and when: the report's AI text carries this as provenance. */
  image: AnswerImage;
}

export interface AnswerImage {
  seriesKey: string | null;
  sopInstanceUid: string | null;
  /** 1-based slice of how many in the stack shown. */
  slice: { number: number; count: number };
  answeredAt: string;
}

export interface SegmentationResult {
  /** The image the mask belongs to: it is drawn only while that slice is shown. */
  imageId: string;
  prompt: string;
  painted: PaintedMask;
  areaCm2: number | null;
  probabilityMean: number | null;
  /** The presence head's probability that the structure is in the image (models with one). */
  presenceProbability: number | null;
  /** The structure was found (presence, or a non-empty mask for a model without a presence head). */
  found: boolean;
  model: string;
  ms: number;
}

/** A whole-series run in progress: slices done of all. */
export interface SeriesProgress {
  done: number;
  total: number;
}

/**
 * What the assistant needs of the page's segmentations (the app's SegmentationState): list and open one through the
 * normal display, show or hide it, and the open series' voxel grid. Declared here so this panel imports only app/ and viewer/.
 */
export interface PageSegmentations {
  readonly active: { readonly maskSetId: string; readonly segments: readonly { number: number }[]; setView(number: number, patch: { visible: boolean }): void } | null;
  readonly notice: string | null;
  refreshList(): Promise<void>;
  open(maskSetId: string): Promise<void>;
  gridOfOpenSeries(): Promise<SeriesGrid | null>;
}

/** A series' voxel grid as a segmentation of it is stored: [columns, rows, slices] and the voxel size in mm. */
type SeriesGrid = { readonly shape: readonly [number, number, number]; readonly spacingMm: readonly [number, number, number] };

/** The page's assistant (one dock per page), read by the Report dock to offer its answers for insertion. */
let pageAssistant: AssistantState | null = null;
export const pageAssistantAnswers = (): { answers: readonly AssistantAnswer[]; modelVersion: string | null } => ({
  answers: pageAssistant?.answers ?? [],
  modelVersion: pageAssistant?.status?.version ?? null,
});

const idle = (): Record<AssistantAction, boolean> => ({ caption: false, ask: false, segment: false });
const noErrors = (): Record<AssistantAction, string | null> => ({ caption: null, ask: null, segment: null });

/**
 * The assistant panel's state: the model's status, one request at a time per action (a click while
 * one runs is ignored, not queued), the answers, the latest mask and the report draft the user edits.
 */
export class AssistantState {
  status = $state.raw<AssistantStatus | null>(null);
  statusError = $state<string | null>(null);
  busy = $state(idle());
  errors = $state(noErrors());
  answers = $state.raw<AssistantAnswer[]>([]);
  segmentation = $state.raw<SegmentationResult | null>(null);
  /** The model segmentation in the store made from the latest Segment or whole-series run, shown in the Segments panel. */
  stored = $state.raw<MaskSetInfo | null>(null);
  /** "not found (p = 0.03)" when the latest run found nothing (then nothing is stored). */
  notFound = $state<string | null>(null);
  /** The stored prediction against the series' expert segmentation (truth null: there is none). */
  score = $state.raw<ModelScore | null>(null);
  scoreError = $state<string | null>(null);
  /** The annotator's draft copied from `stored` (Accept as draft), opened in the editor. */
  draft = $state.raw<MaskSetInfo | null>(null);
  draftBusy = $state(false);
  draftError = $state<string | null>(null);
  seriesProgress = $state.raw<SeriesProgress | null>(null);
  /** What became of the last whole-series run, in words. */
  seriesOutcome = $state<string | null>(null);
  overlayVisible = $state(true);
  /** The caption as the model writes it (null when no caption runs): streamed token by token from the worker. */
  captionSoFar = $state<string | null>(null);
  reportDraft = $state('');
  question = $state('');
  prompt = $state('');

  /** What the model offers (its declared tasks and prompts): the dock shows only those. */
  readonly offers = $derived(dockOffers(this.status));
  readonly prompts = $derived(this.offers.prompts);
  private nextAnswerId = 1;
  private seriesController: AbortController | null = null;

  constructor(
    private readonly api: Api,
    private readonly viewer: ViewerState,
    /** The page's segmentations: a model segmentation is listed, shown and (as a draft) edited there. */
    private readonly segmentations: PageSegmentations,
  ) {
    pageAssistant = this;
  }

  get seriesRunning(): boolean {
    return this.seriesProgress !== null;
  }

  async refreshStatus(): Promise<void> {
    try {
      const result = await this.api['assistant.status']({});
      if (result.ok) {
        this.status = result.value;
        this.statusError = null;
        this.prompt = promptToKeep(this.prompt, result.value.segmentPrompts);
      } else {
        this.statusError = result.error.message;
      }
    } catch (e) {
      this.statusError = `assistant.status: ${describeLoadError(e)}`;
    }
  }

  /** Describes the slice on screen; the caption grows in `captionSoFar` while the model writes it. */
  async caption(): Promise<void> {
    if (this.busy.caption) return;
    const streamId = newCaptionStreamId();
    this.captionSoFar = '';
    const stop = followCaption(this.api, streamId, (text) => (this.captionSoFar = text));
    try {
      await this.run('caption', (slice) => this.api['assistant.caption']({ image: slice.image, streamId }), (answer, slice) =>
        this.addAnswer('caption', 'Description', answer, slice),
      );
    } finally {
      stop();
      this.captionSoFar = null;
    }
  }

  ask(): Promise<void> {
    const question = this.question.trim();
    if (!question) {
      this.errors.ask = 'Type a question first.';
      return Promise.resolve();
    }
    return this.run('ask', (slice) => this.api['assistant.ask']({ image: slice.image, question }), (answer, slice) =>
      this.addAnswer('ask', question, answer, slice),
    );
  }

  /** Segments the slice on screen; a found structure becomes a model segmentation in the store, shown in the Segments panel. */
  segment(): Promise<void> {
    const prompt = this.prompt.trim();
    if (!prompt) {
      this.errors.segment = this.status?.problem ?? 'Choose what to segment first.';
      return Promise.resolve();
    }
    if (this.seriesRunning) return Promise.resolve();
    return this.run('segment', (slice) => this.api['assistant.segment']({ image: slice.image, prompt }), async (answer, slice) => {
      const painted = paintMask(answer.mask, answer.width, answer.height);
      const found = structureFound(answer, painted.pixelCount);
      const result: SegmentationResult = {
        imageId: slice.imageId,
        prompt,
        painted,
        areaCm2: maskAreaCm2(painted.pixelCount, slice.rowSpacingMm, slice.columnSpacingMm),
        probabilityMean: answer.probabilityMean ?? null,
        presenceProbability: answer.presenceProbability ?? null,
        found,
        model: answer.model,
        ms: answer.ms,
      };
      this.resetOutputs();
      this.segmentation = result;
      this.appendToDraft(segmentationLine(result, sliceLabelOf(slice)));
      if (!found) {
        this.notFound = notFoundText(result.presenceProbability);
        return;
      }
      const sop = this.viewer.open?.frames[slice.sliceIndex]?.instance.sopInstanceUid ?? null;
      const error = await this.store(null, [modelSliceOf(answer, painted, slice.sliceIndex, sop)], 'slice', true, prompt, answer.model);
      if (error) this.errors.segment = error;
    });
  }

  /**
   * Segments every slice of the open series, one at a time through the worker (progress; cancel stops after the
   * slice in flight). What was done is stored as one model segmentation, also when cancelled or stopped by an error.
   */
  async segmentSeries(): Promise<void> {
    const prompt = this.prompt.trim();
    const open = this.viewer.open;
    if (this.seriesRunning || this.busy.segment) return;
    if (this.offers.segment) {
      this.errors.segment = this.offers.segment;
      return;
    }
    if (!prompt) {
      this.errors.segment = this.status?.problem ?? 'Choose what to segment first.';
      return;
    }
    if (!open) {
      this.errors.segment = 'open a series first: the assistant segments its slices';
      return;
    }
    const frames = open.frames;
    // The series' grid first: a series that cannot hold a segmentation is said before minutes of model time, and its
    // images (which the run reads anyway) are loaded once.
    this.seriesProgress = { done: 0, total: frames.length };
    const grid = await this.segmentations.gridOfOpenSeries();
    if (!grid || this.viewer.open !== open) {
      this.seriesProgress = null;
      this.errors.segment = grid ? null : (this.segmentations.notice ?? 'the series has no voxel grid to store a segmentation on');
      return;
    }
    const controller = new AbortController();
    this.seriesController = controller;
    this.errors.segment = null;
    this.resetOutputs();
    this.seriesProgress = { done: 0, total: frames.length };
    let model = this.status?.model ?? 'assistant';
    try {
      const outcome = await runSeries<ModelSlice>({
        indices: frames.map((_, z) => z),
        signal: controller.signal,
        onProgress: (done, total) => (this.seriesProgress = { done, total }),
        runSlice: async (z) => {
          // Another series opened: this run's slices stop here (the ones done are still stored on their own series).
          if (this.viewer.open !== open) return { ok: false, reason: 'another series was opened; the run stopped' };
          const image = await seriesSliceImage(frames, z, open.series.modality);
          const answer = await this.api['assistant.segment']({ image, prompt });
          if (!answer.ok) return { ok: false, reason: answer.error.message };
          model = answer.value.model;
          const painted = paintMask(answer.value.mask, answer.value.width, answer.value.height);
          return { ok: true, value: modelSliceOf(answer.value, painted, z, frames[z].instance.sopInstanceUid) };
        },
      });
      const slices = outcome.results.map((r) => r.value);
      const found = slices.some((s) => s.bits !== null);
      let kept: 'stored' | 'nothing found' | 'not stored' = 'not stored';
      if (found) {
        const error = await this.store({ open, grid }, slices, 'series', outcome.state === 'done', prompt, model);
        if (error) this.errors.segment = error;
        else kept = 'stored';
      } else if (!found && slices.length) {
        kept = 'nothing found';
        const highest = slices.reduce<number | null>((p, s) => (s.presenceProbability === null ? p : Math.max(p ?? 0, s.presenceProbability)), null);
        this.notFound = `not found on any of the ${slices.length} slices (${highest === null ? 'every mask empty' : `highest p = ${highest.toFixed(2)}`})`;
      }
      this.seriesOutcome = seriesOutcomeLine({ state: outcome.state, total: outcome.total, error: outcome.error, done: slices.length }, kept);
    } catch (e) {
      this.errors.segment = `whole-series segmentation: ${describeLoadError(e)}`;
    } finally {
      this.seriesProgress = null;
      this.seriesController = null;
    }
    void this.refreshStatus();
  }

  /** Stops a whole-series run after the slice in flight; the slices done are kept. */
  cancelSeries(): void {
    this.seriesController?.abort();
  }

  /** Copies the stored model segmentation to an editable annotator segmentation and opens the editor on it. */
  async acceptDraft(): Promise<void> {
    const source = this.stored;
    if (!source || this.draftBusy) return;
    this.draftBusy = true;
    this.draftError = null;
    try {
      const copied = await this.api['modelOutputs.acceptDraft']({ maskSetId: source.maskSetId });
      if (!copied.ok) {
        this.draftError = copied.error.message;
        return;
      }
      this.draft = copied.value;
      await this.segmentations.refreshList();
      await this.segmentations.open(copied.value.maskSetId);
      if (this.segmentations.active?.maskSetId !== copied.value.maskSetId) this.draftError = this.segmentations.notice ?? 'the draft was made but could not be opened in the editor';
    } catch (e) {
      this.draftError = `modelOutputs.acceptDraft: ${describeLoadError(e)}`;
    } finally {
      this.draftBusy = false;
    }
  }

  /** Shows or hides the model segmentation in the viewer (its segment in the Segments panel's display). */
  setOverlayVisible(visible: boolean): void {
    this.overlayVisible = visible;
    const editor = this.segmentations.active;
    if (!editor || editor.maskSetId !== this.stored?.maskSetId) return;
    for (const segment of editor.segments) editor.setView(segment.number, { visible });
  }

  clearSegmentation(): void {
    this.resetOutputs();
  }

  private resetOutputs(): void {
    this.segmentation = null;
    this.stored = null;
    this.notFound = null;
    this.score = null;
    this.scoreError = null;
    this.draft = null;
    this.draftError = null;
    this.seriesOutcome = null;
    this.overlayVisible = true;
  }

  /**
   * Stores the slices as a model segmentation of `target` (the series they were run on, on its grid) and shows it when
   * that series is still the one open; the reason when it could not be stored.
   */
  private async store(target: { open: OpenSeries; grid: SeriesGrid } | null, slices: ModelSlice[], scope: 'slice' | 'series', complete: boolean, prompt: string, model: string): Promise<string | null> {
    if (!target) {
      const open = this.viewer.open;
      if (!open) return 'the series was closed before the segmentation could be stored';
      const grid = await this.segmentations.gridOfOpenSeries();
      if (!grid) return this.segmentations.notice ?? 'the series has no voxel grid to store a segmentation on';
      target = { open, grid };
    }
    const { open, grid } = target;
    const saved = await this.api['modelOutputs.saveSegmentation']({
      seriesKey: open.series.seriesInstanceUid,
      shape: [grid.shape[0], grid.shape[1], grid.shape[2]],
      spacingMm: [grid.spacingMm[0], grid.spacingMm[1], grid.spacingMm[2]],
      model,
      version: this.status?.version ?? 'unknown',
      prompt,
      scope,
      complete,
      presenceThreshold: presenceThresholdOf(this.status),
      slices,
    });
    if (!saved.ok) return saved.error.message;
    this.stored = saved.value;
    if (this.viewer.open === open) {
      await this.segmentations.refreshList();
      await this.segmentations.open(saved.value.maskSetId);
    }
    await this.scoreStored(saved.value.maskSetId);
    return null;
  }

  private async scoreStored(predId: string): Promise<void> {
    const scored = await this.api['modelOutputs.score']({ predId });
    if (this.stored?.maskSetId !== predId) return;
    if (scored.ok) this.score = scored.value;
    else this.scoreError = scored.error.message;
  }

  /** Runs one request for `action` unless one is already running; failures land in errors[action]. */
  private async run<T>(action: AssistantAction, call: (slice: CurrentSlice) => Promise<Result<T>>, done: (value: T, slice: CurrentSlice) => void | Promise<void>): Promise<void> {
    if (this.busy[action]) return;
    const refusal = this.offers[action];
    if (refusal) {
      this.errors[action] = refusal;
      return;
    }
    this.busy[action] = true;
    this.errors[action] = null;
    try {
      // Yield once so the busy state renders before the slice is encoded (a timer, not a frame: hidden windows get no frames).
      await new Promise((resolve) => setTimeout(resolve, 0));
      const slice = currentSlice(this.viewer);
      const result = await call(slice);
      if (result.ok) await done(result.value, slice);
      else this.errors[action] = result.error.message;
    } catch (e) {
      this.errors[action] = `assistant.${action}: ${describeLoadError(e)}`;
    } finally {
      this.busy[action] = false;
    }
    // The model loads on first use: show that it is now in memory (or why not).
    void this.refreshStatus();
  }

  private addAnswer(action: AssistantAction, request: string, answer: { text: string; model: string; ms: number; probability?: number; uncertain?: boolean }, slice: CurrentSlice): void {
    const frame = this.viewer.open?.frames[slice.sliceIndex];
    const entry: AssistantAnswer = {
      id: this.nextAnswerId++,
      action,
      request,
      text: answer.text,
      model: answer.model,
      ms: answer.ms,
      sliceLabel: sliceLabelOf(slice),
      probability: typeof answer.probability === 'number' && Number.isFinite(answer.probability) ? answer.probability : null,
      uncertain: typeof answer.uncertain === 'boolean' ? answer.uncertain : null,
      image: {
        seriesKey: this.viewer.open?.series.seriesInstanceUid ?? null,
        sopInstanceUid: frame?.instance.sopInstanceUid ?? null,
        slice: { number: slice.sliceIndex + 1, count: slice.sliceCount },
        answeredAt: new Date().toISOString(),
      },
    };
    this.answers = [entry, ...this.answers];
    this.appendToDraft(answerLine(entry));
  }

  private appendToDraft(line: string): void {
    const separator = this.reportDraft === '' || this.reportDraft.endsWith('\n') ? '' : '\n';
    this.reportDraft = `${this.reportDraft}${separator}${line}\n`;
  }
}

const sliceLabelOf = (slice: CurrentSlice): string => `slice ${slice.sliceIndex + 1}/${slice.sliceCount}`;

/** The model's presence threshold when its status reports one (0.3 models), else null. */
function presenceThresholdOf(status: AssistantStatus | null): number | null {
  const threshold = (status as { presenceThreshold?: unknown } | null)?.presenceThreshold;
  return typeof threshold === 'number' && threshold >= 0 && threshold <= 1 ? threshold : null;
}
