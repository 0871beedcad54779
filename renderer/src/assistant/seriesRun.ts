// A whole-series run of the assistant: every slice through the worker one at a time, with progress and cancel,
// and what was done kept when it stops early (pure: the slice call is injected).

export type SeriesRunState = 'done' | 'cancelled' | 'failed';

export interface SeriesRunOutcome<T> {
  state: SeriesRunState;
  /** The slices done, in the order run (index into the series). */
  results: { index: number; value: T }[];
  total: number;
  /** Why it failed, naming the slice (1-based), or null. */
  error: string | null;
}

export interface SeriesRunOptions<T> {
  /** Slice indices to run, in order. */
  indices: readonly number[];
  /** One slice: its value, or a reason (the worker's error in words). A throw counts as a reason too. */
  runSlice: (index: number) => Promise<{ ok: true; value: T } | { ok: false; reason: string }>;
  /** After every slice: how many of how many are done. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops the run after the slice in flight (a worker request is not cut off half way). */
  signal?: AbortSignal;
  /** Lets the page breathe between slices (scrolling, painting); a macrotask by default. */
  pause?: () => Promise<void>;
}

const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Runs the slices in order; stops at the first failure or when cancelled, keeping what was done. */
export async function runSeries<T>(options: SeriesRunOptions<T>): Promise<SeriesRunOutcome<T>> {
  const { indices, runSlice, onProgress, signal } = options;
  const pause = options.pause ?? macrotask;
  const total = indices.length;
  const results: { index: number; value: T }[] = [];
  for (const index of indices) {
    if (signal?.aborted) return { state: 'cancelled', results, total, error: null };
    let answer: Awaited<ReturnType<typeof runSlice>>;
    try {
      answer = await runSlice(index);
    } catch (e) {
      answer = { ok: false, reason: describe(e) };
    }
    if (!answer.ok) return { state: 'failed', results, total, error: `slice ${index + 1}: ${answer.reason}` };
    results.push({ index, value: answer.value });
    onProgress?.(results.length, total);
    await pause();
  }
  return { state: signal?.aborted && results.length < total ? 'cancelled' : 'done', results, total, error: null };
}

/** What became of a run, in words for the dock: done, cancelled or failed, and what was kept. */
export function seriesOutcomeLine(outcome: Pick<SeriesRunOutcome<unknown>, 'state' | 'total' | 'error'> & { done: number }, kept: 'stored' | 'nothing found' | 'not stored'): string {
  const keptText = kept === 'stored' ? (outcome.done === outcome.total ? '' : ` The ${outcome.done} slices done are kept as a partial segmentation.`) : kept === 'nothing found' ? ' Nothing was found, so nothing is stored.' : ' Nothing is stored.';
  switch (outcome.state) {
    case 'done':
      return `Segmented all ${outcome.total} slices.${keptText}`;
    case 'cancelled':
      return `Cancelled after ${outcome.done} of ${outcome.total} slices.${keptText}`;
    case 'failed':
      return `Stopped at ${outcome.error ?? 'an error'} (after ${outcome.done} of ${outcome.total} slices).${keptText}`;
  }
}
