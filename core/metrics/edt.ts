/**
 * Exact squared Euclidean distance transform with anisotropic spacing, by separable 1-D lower
 * envelopes of parabolas (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled
 * Functions", 2012), one pass per axis. O(voxels) time.
 */

/**
 * For every voxel, the squared distance in mm² to the nearest feature voxel (feature[i] !== 0);
 * Infinity everywhere when there is no feature voxel. Volumes are x-fastest.
 */
export function squaredDistanceTransform(
  feature: Uint8Array,
  shape: readonly [number, number, number],
  spacingMm: readonly [number, number, number],
): Float64Array {
  const [w, h, d] = shape;
  if (feature.length !== w * h * d) {
    throw new Error(`squaredDistanceTransform: ${feature.length} voxels do not match shape ${w}×${h}×${d}`);
  }
  const dist = new Float64Array(feature.length);
  for (let i = 0; i < feature.length; i++) dist[i] = feature[i] !== 0 ? 0 : Infinity;

  const longest = Math.max(w, h, d);
  const scratch = {
    f: new Float64Array(longest),
    out: new Float64Array(longest),
    v: new Int32Array(longest),
    z: new Float64Array(longest + 1),
  };
  // x lines
  for (let line = 0; line < h * d; line++) transformLine(dist, line * w, 1, w, spacingMm[0] ** 2, scratch);
  // y lines
  for (let z = 0; z < d; z++) {
    for (let x = 0; x < w; x++) transformLine(dist, z * w * h + x, w, h, spacingMm[1] ** 2, scratch);
  }
  // z lines
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) transformLine(dist, y * w + x, w * h, d, spacingMm[2] ** 2, scratch);
  }
  return dist;
}

interface LineScratch {
  f: Float64Array;
  out: Float64Array;
  v: Int32Array;
  z: Float64Array;
}

/**
 * In place along one line: out[q] = min_p (weight·(q−p)² + f[p]), weight = spacing².
 * Samples with f = Infinity never enter the envelope (they cannot be a minimum).
 */
function transformLine(
  dist: Float64Array,
  start: number,
  stride: number,
  n: number,
  weight: number,
  { f, out, v, z }: LineScratch,
): void {
  for (let q = 0; q < n; q++) f[q] = dist[start + q * stride];

  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q];
    if (fq === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    const lift = fq + weight * q * q;
    let s = 0;
    for (;;) {
      const r = v[k];
      // Abscissa where the parabola rooted at q overtakes the one rooted at r.
      s = (lift - (f[r] + weight * r * r)) / (2 * weight * (q - r));
      if (s > z[k]) break;
      k--; // z[0] = −∞, so the envelope never empties here
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0) return; // no finite sample: the line stays at Infinity

  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const offset = q - v[k];
    out[q] = weight * offset * offset + f[v[k]];
  }
  for (let q = 0; q < n; q++) dist[start + q * stride] = out[q];
}
