import { PendingSaves, type CommitResult, type SaveState } from '../../../core/annotations/pending-saves';
import type { Result } from '../../../core/contract/result';

/** One change to commit: what it is (for the indicator) and the call that commits it. */
export interface PendingChange {
  what: string;
  commit: () => Promise<Result<unknown>>;
}

/**
 * Every change the panel sends to the annotation store, committed in order. The indicator shows
 * saved / saving / error; on an error the change stays here (in memory) and is retried: by itself
 * when the store could not write (io_error: disk full, read-only home), on Retry otherwise (a
 * conflict or a refused change, which retrying alone cannot cure). Nothing is acknowledged before
 * the commit answers.
 */
export class SaveQueue {
  state = $state.raw<SaveState>({ state: 'saved' });
  /** What the failing change is, for the error line. */
  failing = $state<string | null>(null);
  private readonly saves: PendingSaves<PendingChange, unknown>;

  constructor() {
    this.saves = new PendingSaves<PendingChange, unknown>(
      async (change): Promise<CommitResult<unknown>> => {
        const result = await change.commit();
        if (result.ok) return { ok: true, value: result.value };
        this.failing = change.what;
        return { ok: false, error: { message: result.error.message, retryable: result.error.code === 'io_error' } };
      },
      { onState: (s) => {
        this.state = s;
        if (s.state === 'saved') this.failing = null;
      } },
    );
  }

  /** Resolves with the committed value (never before the commit). */
  save<T>(what: string, commit: () => Promise<Result<T>>): Promise<T> {
    return this.saves.save({ what, commit }) as Promise<T>;
  }

  retry(): Promise<void> {
    return this.saves.retryNow();
  }

  /** Gives up the changes not saved (after a conflict the user chose to drop). */
  discard(): void {
    this.saves.discardPending();
  }
}
