import type { Api } from '../../../core/contract/index';
import type { Agreement, MaskSetInfo } from '../../../core/contract/masks';

/**
 * Agreement between the chosen segmentations of the open series (masks.agree): the matrices, and the
 * majority-vote consensus saved on request. A result is shown only while it belongs to the current choice.
 */
export class AgreementState {
  /** The segmentations ticked for comparison, in the order they are listed. */
  chosen = $state<string[]>([]);
  result = $state.raw<Agreement | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  /** How a saved consensus is formed. */
  method = $state<'majority-vote' | 'staple'>('majority-vote');
  private seriesKey: string | null = null;

  constructor(private readonly api: Api) {}

  /** A new series: nothing chosen, nothing shown. */
  showSeries(seriesKey: string | null): void {
    if (seriesKey === this.seriesKey) return;
    this.seriesKey = seriesKey;
    this.chosen = [];
    this.result = null;
    this.error = null;
  }

  toggle(maskSetId: string, listed: readonly MaskSetInfo[]): void {
    const next = new Set(this.chosen);
    if (next.has(maskSetId)) next.delete(maskSetId);
    else next.add(maskSetId);
    this.chosen = listed.map((m) => m.maskSetId).filter((id) => next.has(id));
    this.result = null;
  }

  /** The result still describes exactly the chosen segmentations. */
  get current(): Agreement | null {
    const r = this.result;
    return r && r.segmentations.length === this.chosen.length && r.segmentations.every((s, i) => s.maskSetId === this.chosen[i]) ? r : null;
  }

  /**
   * Compares the chosen segmentations; with `saveConsensus`, also stores their consensus. The consensus is
   * a new segmentation, not an edit of one, so it is shown only once the store answered (never before).
   */
  async compare(saveConsensus: boolean): Promise<void> {
    const seriesKey = this.seriesKey;
    if (!seriesKey || this.chosen.length < 2) {
      this.error = 'Choose at least two segmentations of this series to compare.';
      return;
    }
    this.busy = true;
    this.error = null;
    const args = { seriesKey, maskSetIds: [...this.chosen], consensus: saveConsensus, method: this.method };
    try {
      const answer = await this.api['masks.agree'](args);
      if (this.seriesKey !== seriesKey) return;
      if (answer.ok) this.result = answer.value;
      else this.error = answer.error.message;
    } finally {
      this.busy = false;
    }
  }
}
