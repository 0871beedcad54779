import type { AssistantAnswer, SegmentationResult } from './assistant.svelte';

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
  return `[${answer.sliceLabel}] ${request}: ${answer.text} (${answer.model})`;
}

export function segmentationLine(result: SegmentationResult, sliceLabel: string): string {
  return `[${sliceLabel}] Segmentation "${result.prompt}": ${formatArea(result.painted.pixelCount, result.areaCm2)} (${result.model})`;
}

/** Model, time and (when the mask is not empty) the mean probability inside it. */
export function segmentationMeta(result: SegmentationResult): string {
  const parts = [result.model, formatMs(result.ms)];
  if (result.probabilityMean !== null) parts.push(`mean probability ${result.probabilityMean.toFixed(2)}`);
  return parts.join(' · ');
}
