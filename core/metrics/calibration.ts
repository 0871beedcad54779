/**
 * Calibration of confidences (a model's answer probability against whether the answer was right).
 */

/**
 * Equal-width bin of a confidence in [0, 1]: bin b holds (b/M, (b+1)/M]; a confidence of exactly
 * 0 goes to bin 0. Computed as min(M−1, max(0, ceil(c·M) − 1)) so that every port (the Python
 * recipe's metrics.py) puts a value on a bin edge into the same bin.
 */
export function calibrationBin(confidence: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
}

/**
 * Expected calibration error (Guo et al. 2017): Σ_b |B_b|/n · |accuracy(B_b) − mean confidence(B_b)|
 * over M equal-width bins (`calibrationBin`, M = 10 by default); empty bins contribute nothing.
 * null for no samples; a confidence outside [0, 1] or NaN is an error.
 */
export function expectedCalibrationError(
  confidences: readonly number[],
  correct: readonly boolean[],
  bins = 10,
): number | null {
  if (confidences.length !== correct.length) {
    throw new Error(`expectedCalibrationError: ${confidences.length} confidences but ${correct.length} outcomes`);
  }
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`expectedCalibrationError: bins must be a positive integer, got ${bins}`);
  confidences.forEach((c, i) => {
    if (!(c >= 0 && c <= 1)) throw new Error(`expectedCalibrationError: confidence ${i} is ${c}, outside [0, 1]`);
  });
  if (confidences.length === 0) return null;
  const count = new Array<number>(bins).fill(0);
  const confidenceSum = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  confidences.forEach((c, i) => {
    const b = calibrationBin(c, bins);
    count[b]++;
    confidenceSum[b] += c;
    if (correct[i]) hits[b]++;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] > 0) ece += (count[b] / confidences.length) * Math.abs(hits[b] / count[b] - confidenceSum[b] / count[b]);
  }
  return ece;
}
