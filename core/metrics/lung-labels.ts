/**
 * Right / left lung labels from a binary lung mask: models/training/data.py `lung_label_map`, so
 * `vesalius eval` scores "left lung" / "right lung" against the same truth as `npm run model:eval`.
 * Connected components (8-connectivity) of mask > 127; the two largest are the lungs, ordered by
 * centroid x (larger x = patient left = LEFT). One component, or a second one under 10 % of the
 * largest: split at its centroid column when 25–75 % of it lies in the image's left half, else the
 * side of its centroid. Every other component goes to the lung whose centre x is nearer (a tie goes
 * left), so left ∪ right is the binary mask.
 */
export const BACKGROUND = 0;
export const RIGHT_LUNG = 1;
export const LEFT_LUNG = 2;

/** Component labels 1..count (0 = outside) in raster order of each component's first pixel. */
function components8(binary: Uint8Array, width: number, height: number): { labels: Int32Array; count: number } {
  const labels = new Int32Array(width * height);
  const queue = new Int32Array(width * height);
  let count = 0;
  for (let start = 0; start < binary.length; start++) {
    if (!binary[start] || labels[start]) continue;
    count++;
    labels[start] = count;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    while (head < tail) {
      const p = queue[head++];
      const y = (p / width) | 0;
      const x = p - y * width;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
          const q = yy * width + xx;
          if (binary[q] && !labels[q]) {
            labels[q] = count;
            queue[tail++] = q;
          }
        }
      }
    }
  }
  return { labels, count };
}

/** uint8 label map (0 background, 1 right lung = image-left, 2 left lung = image-right) of an 8-bit mask. */
export function lungLabelMap(mask: Uint8Array, width: number, height: number): Uint8Array {
  if (mask.length !== width * height) throw new RangeError(`lungLabelMap: ${mask.length} values for ${width}×${height}`);
  const out = new Uint8Array(mask.length);
  const binary = mask.map((v) => (v > 127 ? 1 : 0));
  const { labels, count } = components8(binary, width, height);
  if (count === 0) return out;
  const sizes = new Float64Array(count);
  const sumX = new Float64Array(count);
  for (let p = 0; p < labels.length; p++) {
    const l = labels[p];
    if (l) {
      sizes[l - 1]++;
      sumX[l - 1] += p % width;
    }
  }
  const cx = Array.from(sumX, (s, i) => s / sizes[i]);
  // largest first; equal sizes keep label order (numpy's stable argsort of -sizes)
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => sizes[b] - sizes[a] || a - b);
  const big = order[0];
  const centres = { left: 0, right: 0 };
  const skip = new Uint8Array(count);
  if (count >= 2 && sizes[order[1]] >= 0.1 * sizes[big]) {
    const [a, b] = [order[0], order[1]];
    const [leftC, rightC] = cx[a] > cx[b] ? [a, b] : [b, a];
    centres.left = cx[leftC];
    centres.right = cx[rightC];
  } else {
    let inLeftHalf = 0;
    for (let p = 0; p < labels.length; p++) if (labels[p] === big + 1 && p % width < width / 2) inLeftHalf++;
    const fraction = inLeftHalf / sizes[big];
    if (fraction >= 0.25 && fraction <= 0.75) {
      const split = cx[big];
      centres.left = split + 1;
      centres.right = split - 1;
      for (let p = 0; p < labels.length; p++) if (labels[p] === big + 1) out[p] = p % width >= split ? LEFT_LUNG : RIGHT_LUNG;
      skip[big] = 1;
    } else if (cx[big] >= width / 2) {
      centres.left = cx[big];
      centres.right = width - cx[big];
    } else {
      centres.right = cx[big];
      centres.left = width - cx[big];
    }
  }
  const side = Array.from(cx, (x) => (Math.abs(x - centres.left) <= Math.abs(x - centres.right) ? LEFT_LUNG : RIGHT_LUNG));
  for (let p = 0; p < labels.length; p++) {
    const l = labels[p];
    if (l && !skip[l - 1]) out[p] = side[l - 1];
  }
  return out;
}
