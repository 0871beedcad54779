import type { SearchHit } from '../../../core/contract/search';

/** The part of a stack frame (lib/imageIds StackFrame) that says which image it shows. */
export interface FrameIdentity {
  instance: { sopInstanceUid: string };
  /** 1-based frame of a multi-frame instance; null for a single-frame instance. */
  frame: number | null;
}

/**
 * Where a search hit lies in its series' canonical frame list: the frame of the same instance with the same
 * 1-based frame number (a single-frame instance is frame 1). -1 when the series no longer holds that image
 * (re-imported, the file gone).
 */
export function frameIndexOfHit(frames: readonly FrameIdentity[], hit: Pick<SearchHit, 'sopInstanceUid' | 'frame'>): number {
  return frames.findIndex((f) => f.instance.sopInstanceUid === hit.sopInstanceUid && (f.frame ?? 1) === hit.frame);
}

/** The distinct series of a result list, in rank order of their first hit (one catalog read each). */
export const seriesKeysOf = (hits: readonly Pick<SearchHit, 'seriesKey'>[]): string[] => [...new Set(hits.map((h) => h.seriesKey))];
