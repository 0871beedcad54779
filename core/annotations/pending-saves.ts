// Edits waiting to be committed: acknowledged only once saved; kept in memory and retried while saving fails (pure).

export type SaveState =
  | { state: 'saved' }
  | { state: 'saving'; pending: number }
  /** The last attempt failed: the edits are still here (pending) and are retried at `retryAt` (ms), or on retryNow(). */
  | { state: 'error'; pending: number; message: string; retryAt: number | null };

export type CommitResult<R> = { ok: true; value: R } | { ok: false; error: { message: string; retryable?: boolean } };

export interface PendingSavesOptions {
  /** Waits between automatic retries (the last one repeats). Default 1 s, 2 s, 5 s, 10 s. */
  retryDelaysMs?: readonly number[];
  onState?: (state: SaveState) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

interface Entry<E, R> {
  edit: E;
  resolve: (value: R) => void;
}

/**
 * A queue of edits committed one at a time, in order. `save(edit)` resolves with the commit's value
 * once it is durable, never before. A failed commit leaves the edit (and those after it) in the
 * queue and retries after a delay; a failure marked `retryable: false` (a conflict) waits for
 * retryNow() or discardPending().
 */
export class PendingSaves<E, R> {
  private readonly queue: Entry<E, R>[] = [];
  private running = false;
  private failures = 0;
  private timer: unknown = null;
  private current: SaveState = { state: 'saved' };
  private readonly delays: readonly number[];

  constructor(
    private readonly commit: (edit: E) => Promise<CommitResult<R>>,
    private readonly opts: PendingSavesOptions = {},
  ) {
    this.delays = opts.retryDelaysMs?.length ? opts.retryDelaysMs : [1000, 2000, 5000, 10_000];
  }

  get state(): SaveState {
    return this.current;
  }

  /** The edits not yet committed, oldest first. */
  get pending(): readonly E[] {
    return this.queue.map((e) => e.edit);
  }

  save(edit: E): Promise<R> {
    return new Promise<R>((resolve) => {
      this.queue.push({ edit, resolve });
      if (this.current.state !== 'error') void this.run();
    });
  }

  /** Retries at once (after the user freed space, fixed permissions or resolved a conflict). */
  retryNow(): Promise<void> {
    this.cancelTimer();
    return this.run();
  }

  /** Drops the edits not committed (the user chose to throw them away); their promises never resolve. */
  discardPending(): E[] {
    this.cancelTimer();
    const dropped = this.queue.splice(0).map((e) => e.edit);
    this.setState({ state: 'saved' });
    return dropped;
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        this.setState({ state: 'saving', pending: this.queue.length });
        const head = this.queue[0];
        let outcome: CommitResult<R>;
        try {
          outcome = await this.commit(head.edit);
        } catch (e) {
          outcome = { ok: false, error: { message: e instanceof Error ? e.message : String(e) } };
        }
        if (!outcome.ok) {
          this.failures++;
          const retryable = outcome.error.retryable !== false;
          const delay = this.delays[Math.min(this.failures - 1, this.delays.length - 1)];
          const now = (this.opts.now ?? Date.now)();
          this.setState({ state: 'error', pending: this.queue.length, message: outcome.error.message, retryAt: retryable ? now + delay : null });
          if (retryable) this.timer = (this.opts.setTimer ?? setTimeout)(() => void this.retryNow(), delay);
          return;
        }
        this.failures = 0;
        this.queue.shift();
        head.resolve(outcome.value);
      }
      this.setState({ state: 'saved' });
    } finally {
      this.running = false;
    }
  }

  private cancelTimer(): void {
    if (this.timer !== null) (this.opts.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>)))(this.timer);
    this.timer = null;
  }

  private setState(state: SaveState): void {
    this.current = state;
    this.opts.onState?.(state);
  }
}
