// Which of the dock's tasks the model offers (issue 13 item 2): its status declares its tasks and its segment prompts.
import type { AssistantStatus, AssistantTask } from '../../../core/contract/assistant';

/** For each of the dock's actions, null when the model offers it, else why not (shown on the disabled control). */
export interface DockOffers {
  caption: string | null;
  ask: string | null;
  /** Segment and Whole series. */
  segment: string | null;
  /** The prompts the prompt picker offers: the model's declared ones only. */
  prompts: readonly string[];
}

const TASK_OF = { caption: 'caption', ask: 'vqa', segment: 'segment' } as const satisfies Record<string, AssistantTask>;

/**
 * What the dock offers for a model status. A status not known yet, or one with a problem (no model, a broken
 * folder), keeps every action: a request then names the problem, which says more than a greyed-out button.
 * A usable model offers only the tasks it declares, and Segment only with at least one declared prompt.
 */
export function dockOffers(status: AssistantStatus | null): DockOffers {
  const prompts = status?.segmentPrompts ?? [];
  if (!status || status.problem) return { caption: null, ask: null, segment: null, prompts };
  const model = status.model ?? 'the model';
  const lacks = (task: AssistantTask) => !status.tasks.includes(task);
  return {
    caption: lacks(TASK_OF.caption) ? `${model} does not describe images` : null,
    ask: lacks(TASK_OF.ask) ? `${model} does not answer questions` : null,
    segment: lacks(TASK_OF.segment) ? `${model} has no mask head: it does not segment` : prompts.length === 0 ? `${model} declares no structures to segment` : null,
    prompts,
  };
}

/** The prompt to keep selected: the current one while the model still declares it, else its first prompt ('' with none). */
export function promptToKeep(current: string, prompts: readonly string[]): string {
  return prompts.includes(current) ? current : (prompts[0] ?? '');
}

/**
 * Classify (zero-shot, by the image and text embeddings): null when the model offers it, else why not. As for the
 * other actions, a status not known yet or one with a problem keeps it, so the request names the problem.
 */
export function classifyOffer(status: AssistantStatus | null): string | null {
  if (!status || status.problem) return null;
  return status.tasks.includes('embed') ? null : `${status.model ?? 'the model'} has no image–text embeddings: it does not classify`;
}
