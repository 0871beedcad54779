// Test helpers: tiny labelled volumes and a seeded PRNG (mulberry32), shared by the metric tests and bench.
import type { LabelArray, LabelVolume } from './types';

export function volume(
  data: LabelArray,
  shape: readonly [number, number, number],
  source = 'test',
  spacingMm: readonly [number, number, number] = [1, 1, 1],
): LabelVolume {
  return { data, shape, spacingMm, source };
}

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random labels drawn from `labels`, with background as likely as `backgroundWeight` labels. */
export function randomLabels(random: () => number, length: number, labels: number[], backgroundWeight = 0): number[] {
  const pool = [...new Array<number>(backgroundWeight).fill(0), ...labels];
  return Array.from({ length }, () => pool[Math.floor(random() * pool.length)]);
}
