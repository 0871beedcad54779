/**
 * Thumbnails wait for the open series' first image, so they never compete with it for the fetch and
 * the decoder. This gate holds them: until that image is settled (shown, failed, or no series open),
 * and while the app is still choosing the series to show — a study's series list (and so its
 * thumbnails) appears before the viewer is given that study's first series, and asked in between,
 * "is the first image shown?" would answer for the series before, or for none.
 */
export class FirstImageGate {
  private waiters: (() => void)[] = [];
  private holds = 0;

  /** `settled`: whether the open series' first image is shown or failed, or no series is open. */
  constructor(private readonly settled: () => boolean) {}

  /** Resolves once the first image is settled and no series is being chosen (at once when both hold now). */
  wait(): Promise<void> {
    if (this.holds === 0 && this.settled()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The first image is settled (shown, failed, the viewer cleared): the waiters go, unless a series is being chosen. */
  release(): void {
    if (this.holds === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }

  /**
   * A series is about to be chosen (a study opened, an import's result shown). Returns the call that
   * ends it (once; call it whatever happened): the waiters go then if the first image is settled —
   * no series was opened, or it is shown already — else with that image.
   */
  hold(): () => void {
    this.holds++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.holds--;
      if (this.settled()) this.release();
    };
  }
}
