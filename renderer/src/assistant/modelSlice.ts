// One segmentation answer as the slice modelOutputs.saveSegmentation stores (pure).
import { packBits } from '../../../core/annotations/bits';
import type { SegmentationAnswer } from '../../../core/contract/assistant';
import type { ModelSlice } from '../../../core/contract/model-outputs';
import type { PaintedMask } from './maskPaint';

/** The answer as it may come: the presence fields come from models with a presence head (0.3 on). */
export type SegmentAnswerLike = Pick<SegmentationAnswer, 'width' | 'height' | 'mask' | 'probabilityMean'> & {
  present?: boolean;
  presenceProbability?: number;
};

/** Whether the model says the structure is there: its presence head when it has one, else a non-empty mask. */
export function structureFound(answer: SegmentAnswerLike, pixelCount: number): boolean {
  return answer.present !== false && pixelCount > 0;
}

const clamp01 = (p: number | undefined): number | null => (p === undefined || !Number.isFinite(p) ? null : Math.min(1, Math.max(0, p)));

/** The slice to store: the mask (0/1, checked for size by paintMask) bit-packed when the structure was found, else none, and what the model said. */
export function modelSliceOf(answer: SegmentAnswerLike, painted: PaintedMask, z: number, sopInstanceUid: string | null): ModelSlice {
  const found = structureFound(answer, painted.pixelCount);
  return {
    z,
    sopInstanceUid,
    present: answer.present ?? null,
    presenceProbability: clamp01(answer.presenceProbability),
    probabilityMean: found ? clamp01(answer.probabilityMean) : null,
    bits: found ? packBits(painted.mask) : null,
  };
}

/** "not found (p = 0.03)": the dock's words for an absent structure; without a presence head, "not found (empty mask)". */
export function notFoundText(presenceProbability: number | null): string {
  return presenceProbability === null ? 'not found (empty mask)' : `not found (p = ${presenceProbability.toFixed(2)})`;
}
