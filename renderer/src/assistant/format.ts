import type { AssistantAnswer, SegmentationResult } from './assistant.svelte';
import { notFoundText } from './modelSlice';
import { formatProbability } from '../../../core/report/model';

/** Request time as whole milliseconds. */
export const formatMs = (ms: number): string => `${Math.round(ms)} ms`;

/** A mask's size: pixels always, cm² when the pixel spacing is known. */
export function formatArea(pixelCount: number, areaCm2: number | null): string {
  const pixels = `${pixelCount.toLocaleString('en-US')} px`;
  return areaCm2 === null ? `${pixels} (no pixel spacing)` : `${pixels} · ${areaCm2.toFixed(2)} cm²`;
}

/** One answer as a line of the report draft. */
export function answerLine(answer: AssistantAnswer): string {
  const request = answer.action === 'caption' ? 'Description' : `Q: ${answer.request} A`;
  const confidence = answerConfidence(answer);
  return `[${answer.sliceLabel}] ${request}: ${answer.text} (${answer.model}${confidence ? `, ${confidence}` : ''})`;
}

export function segmentationLine(result: SegmentationResult, sliceLabel: string): string {
  const what = result.found ? formatArea(result.painted.pixelCount, result.areaCm2) : notFoundText(result.presenceProbability);
  return `[${sliceLabel}] Segmentation "${result.prompt}": ${what} (${result.model})`;
}

/** An answer's probability and whether it is below the model's threshold: "p = 0.82", "p = 0.41 · uncertain"; null without one. */
export function answerConfidence(answer: Pick<AssistantAnswer, 'probability' | 'uncertain'>): string | null {
  if (answer.probability === null) return answer.uncertain ? 'uncertain' : null;
  return `p = ${formatProbability(answer.probability)}${answer.uncertain ? ' · uncertain' : ''}`;
}

/** IoU and Dice as the dock shows them: two decimals. */
export const formatOverlap = (value: number | null): string => (value === null ? '—' : value.toFixed(2));

/** Model, time and (when the mask is not empty) the mean probability inside it. */
export function segmentationMeta(result: SegmentationResult): string {
  const parts = [result.model, formatMs(result.ms)];
  if (result.probabilityMean !== null) parts.push(`mean probability ${result.probabilityMean.toFixed(2)}`);
  return parts.join(' · ');
}
