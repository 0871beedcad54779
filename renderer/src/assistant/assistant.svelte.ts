import type { Api } from '../../../core/contract/index';
import type { AssistantStatus } from '../../../core/contract/assistant';
import type { Result } from '../../../core/contract/result';
import type { ViewerState } from '../state/viewer.svelte';
import { describeLoadError } from '../lib/errors';
import { currentSlice, type CurrentSlice } from './viewportImage';
import { maskAreaCm2, paintMask, type PaintedMask } from './maskPaint';
import { answerLine, segmentationLine } from './format';

export type AssistantAction = 'caption' | 'ask' | 'segment';

/** Used when the model's status names no prompts (an older model folder). */
export const DEFAULT_SEGMENT_PROMPTS = ['lung', 'left lung', 'right lung'];

export interface AssistantAnswer {
  id: number;
  action: AssistantAction;
  /** What was asked: "Description", the question, or the segmentation prompt. */
  request: string;
  text: string;
  model: string;
  ms: number;
  sliceLabel: string;
}

export interface SegmentationResult {
  /** The image the mask belongs to: it is drawn only while that slice is shown. */
  imageId: string;
  prompt: string;
  painted: PaintedMask;
  areaCm2: number | null;
  probabilityMean: number | null;
  model: string;
  ms: number;
}

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
  overlayVisible = $state(true);
  reportDraft = $state('');
  question = $state('');
  prompt = $state(DEFAULT_SEGMENT_PROMPTS[0]);

  readonly prompts = $derived(this.status?.segmentPrompts.length ? this.status.segmentPrompts : DEFAULT_SEGMENT_PROMPTS);
  private nextAnswerId = 1;

  constructor(
    private readonly api: Api,
    private readonly viewer: ViewerState,
  ) {
    pageAssistant = this;
  }

  async refreshStatus(): Promise<void> {
    try {
      const result = await this.api['assistant.status']({});
      if (result.ok) {
        this.status = result.value;
        this.statusError = null;
      } else {
        this.statusError = result.error.message;
      }
    } catch (e) {
      this.statusError = `assistant.status: ${describeLoadError(e)}`;
    }
  }

  caption(): Promise<void> {
    return this.run('caption', (slice) => this.api['assistant.caption']({ image: slice.image }), (answer, slice) =>
      this.addAnswer('caption', 'Description', answer, slice),
    );
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

  segment(): Promise<void> {
    const prompt = this.prompt.trim();
    if (!prompt) {
      this.errors.segment = 'Choose or type what to segment first.';
      return Promise.resolve();
    }
    return this.run('segment', (slice) => this.api['assistant.segment']({ image: slice.image, prompt }), (answer, slice) => {
      const painted = paintMask(answer.mask, answer.width, answer.height);
      const result: SegmentationResult = {
        imageId: slice.imageId,
        prompt,
        painted,
        areaCm2: maskAreaCm2(painted.pixelCount, slice.rowSpacingMm, slice.columnSpacingMm),
        probabilityMean: answer.probabilityMean ?? null,
        model: answer.model,
        ms: answer.ms,
      };
      this.segmentation = result;
      this.overlayVisible = true;
      this.appendToDraft(segmentationLine(result, sliceLabelOf(slice)));
    });
  }

  clearSegmentation(): void {
    this.segmentation = null;
  }

  /** Runs one request for `action` unless one is already running; failures land in errors[action]. */
  private async run<T>(action: AssistantAction, call: (slice: CurrentSlice) => Promise<Result<T>>, done: (value: T, slice: CurrentSlice) => void): Promise<void> {
    if (this.busy[action]) return;
    this.busy[action] = true;
    this.errors[action] = null;
    try {
      // Yield once so the busy state renders before the slice is encoded (a timer, not a frame: hidden windows get no frames).
      await new Promise((resolve) => setTimeout(resolve, 0));
      const slice = currentSlice(this.viewer);
      const result = await call(slice);
      if (result.ok) done(result.value, slice);
      else this.errors[action] = result.error.message;
    } catch (e) {
      this.errors[action] = `assistant.${action}: ${describeLoadError(e)}`;
    } finally {
      this.busy[action] = false;
    }
    // The model loads on first use: show that it is now in memory (or why not).
    void this.refreshStatus();
  }

  private addAnswer(action: AssistantAction, request: string, answer: { text: string; model: string; ms: number }, slice: CurrentSlice): void {
    const entry: AssistantAnswer = { id: this.nextAnswerId++, action, request, text: answer.text, model: answer.model, ms: answer.ms, sliceLabel: sliceLabelOf(slice) };
    this.answers = [entry, ...this.answers];
    this.appendToDraft(answerLine(entry));
  }

  private appendToDraft(line: string): void {
    const separator = this.reportDraft === '' || this.reportDraft.endsWith('\n') ? '' : '\n';
    this.reportDraft = `${this.reportDraft}${separator}${line}\n`;
  }
}

const sliceLabelOf = (slice: CurrentSlice): string => `slice ${slice.sliceIndex + 1}/${slice.sliceCount}`;
