// A write asked for on every change (a keystroke) but done at most once per animation frame: the Report dock's
// recovery copy goes to localStorage synchronously, so writing it on each key press would stall typing.
// What the frame coalesces is written at once when the page goes away (pagehide, hidden) by `flush`.

/** Runs a callback soon; returns its cancel. */
export type Schedule = (run: () => void) => () => void;

/** Longest wait for a frame: a hidden or throttled window runs no animation frames, a timer still fires. */
export const FRAME_FALLBACK_MS = 250;

/** The next animation frame, or the fallback timer when frames do not come (hidden window, no rAF at all). */
export const nextFrame: Schedule = (run) => {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    cancel();
    run();
  };
  const frame = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(once) : null;
  const timer = setTimeout(once, FRAME_FALLBACK_MS);
  const cancel = () => {
    if (frame !== null) cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
  return () => {
    done = true;
    cancel();
  };
};

export class CoalescedWrite {
  private cancelPending: (() => void) | null = null;

  constructor(
    private readonly write: () => void,
    private readonly schedule: Schedule = nextFrame,
  ) {}

  /** A write is asked for and not done yet. */
  get pending(): boolean {
    return this.cancelPending !== null;
  }

  /** Asks for a write: the first ask since the last write schedules it, later ones join it. */
  request(): void {
    if (this.cancelPending) return;
    this.cancelPending = this.schedule(() => {
      this.cancelPending = null;
      this.write();
    });
  }

  /** Writes now when a write is pending (the page is going away, or what it writes is about to change). */
  flush(): void {
    if (!this.cancelPending) return;
    this.cancel();
    this.write();
  }

  /** Writes now, pending or not (cancelling the pending one). */
  writeNow(): void {
    this.cancel();
    this.write();
  }

  /** Drops a pending write (what it would write is no longer needed). */
  cancel(): void {
    this.cancelPending?.();
    this.cancelPending = null;
  }
}
