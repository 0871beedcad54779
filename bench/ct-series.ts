// A synthetic CT series for the inference benches, generated in memory by our own code (no data directory):
// 512×512 int16 slices stored as HU + 1024 (rescale intercept −1024, as CT files usually are), each slice
// different (the body and lungs change with the slice position, plus seeded noise), so every slice is a new
// image to the encoder cache.
import { seededRandom } from '../core/metrics/test-volumes';
import type { WorkerImage } from '../core/inference/protocol';

export const SLICE_SIDE = 512;
const STORED_OFFSET = 1024;

/** Slice `index` of `count` (0-based): a chest-like phantom whose lungs grow then shrink along the series. */
export function syntheticCtSlice(index: number, count: number, side = SLICE_SIDE): WorkerImage {
  if (!Number.isInteger(index) || index < 0 || !Number.isInteger(count) || index >= count) throw new Error(`syntheticCtSlice: slice ${index} of ${count}`);
  const random = seededRandom(1000 + index);
  const position = count > 1 ? index / (count - 1) : 0.5;
  // The lungs' half-height, as a fraction of the body: largest mid-series.
  const lungHeight = 0.2 + 0.4 * Math.sin(Math.PI * position);
  const stored = new Int16Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const u = (x - side / 2) / (0.45 * side);
      const v = (y - side / 2) / (0.4 * side);
      const inBody = u * u + v * v < 1;
      const inLung = Math.abs(u) > 0.15 && Math.abs(u) < 0.7 && Math.abs(v) < lungHeight;
      const hu = !inBody ? -1000 : inLung ? -850 : 40;
      stored[y * side + x] = hu + STORED_OFFSET + Math.round((random() - 0.5) * 20);
    }
  }
  return { kind: 'hu', width: side, height: side, data: stored, slope: 1, intercept: -STORED_OFFSET };
}
