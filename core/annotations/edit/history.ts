// Undo/redo: a per-series history of apply/revert operations (after VolView's src/core/history.ts).

/** One undoable edit. `bytes` is what it holds in memory (the history drops the oldest past its budget). */
export interface HistoryOperation {
  readonly label: string;
  readonly bytes: number;
  apply(): void;
  revert(): void;
}

/** Default memory budget of one series' history: enough for many strokes and a few big interpolations. */
export const DEFAULT_HISTORY_BYTES = 256 * 1024 * 1024;

export class EditHistory {
  private readonly done: HistoryOperation[] = [];
  private readonly undone: HistoryOperation[] = [];
  private readonly maxBytes: number;
  private heldBytes = 0;

  constructor(opts: { maxBytes?: number } = {}) {
    const maxBytes = opts.maxBytes ?? DEFAULT_HISTORY_BYTES;
    if (!(maxBytes >= 0)) throw new RangeError(`EditHistory: maxBytes ${maxBytes} is not a non-negative number`);
    this.maxBytes = maxBytes;
  }

  /**
   * Records an operation that has already been applied; clears redo. Past maxBytes the oldest operations
   * are dropped (they can no longer be undone); the newest one is always kept, however big.
   */
  push(op: HistoryOperation): void {
    for (const dropped of this.undone.splice(0)) this.heldBytes -= dropped.bytes;
    this.done.push(op);
    this.heldBytes += op.bytes;
    while (this.heldBytes > this.maxBytes && this.done.length > 1) this.heldBytes -= this.done.shift()!.bytes;
  }

  /** Applies an operation that has not been applied yet and records it (segment and measurement edits). */
  perform(op: HistoryOperation): void {
    op.apply();
    this.push(op);
  }

  /** Reverts the newest operation and returns it, or null when there is nothing to undo. If revert throws, the history is unchanged. */
  undo(): HistoryOperation | null {
    const op = this.done.at(-1);
    if (!op) return null;
    op.revert();
    this.undone.push(this.done.pop()!);
    return op;
  }

  /** Re-applies the newest undone operation and returns it, or null when there is nothing to redo. If apply throws, the history is unchanged. */
  redo(): HistoryOperation | null {
    const op = this.undone.at(-1);
    if (!op) return null;
    op.apply();
    this.done.push(this.undone.pop()!);
    return op;
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  /** Labels of what undo and redo would do next (for a toolbar tooltip such as "Undo brush stroke"). */
  get nextUndoLabel(): string | null {
    return this.done.at(-1)?.label ?? null;
  }

  get nextRedoLabel(): string | null {
    return this.undone.at(-1)?.label ?? null;
  }

  /** Bytes held by the operations that can still be undone or redone. */
  get bytes(): number {
    return this.heldBytes;
  }

  clear(): void {
    this.done.length = 0;
    this.undone.length = 0;
    this.heldBytes = 0;
  }
}

/** One history per series (seriesKey → EditHistory). */
export class HistoryBook {
  private readonly histories = new Map<string, EditHistory>();

  constructor(private readonly opts: { maxBytes?: number } = {}) {}

  /** The series' history, created empty on first use. */
  for(seriesKey: string): EditHistory {
    let history = this.histories.get(seriesKey);
    if (!history) {
      history = new EditHistory(this.opts);
      this.histories.set(seriesKey, history);
    }
    return history;
  }

  /** Forgets a series' history (its segmentation was closed or deleted). */
  drop(seriesKey: string): void {
    this.histories.delete(seriesKey);
  }
}
