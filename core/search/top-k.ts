// Exact cosine top-k over a row-major float32 matrix of L2-normalised vectors: the score of a row is its
// dot product with the (normalised) query. One pass over the matrix, a bounded min-heap of the k best rows.

/** One ranked row of the matrix. */
export interface RowScore {
  /** 0-based row of the matrix. */
  row: number;
  score: number;
}

/** Vectors whose length is below this are treated as zero: they have no direction to compare. */
export const MIN_VECTOR_NORM = 1e-6;

/** The vector's Euclidean length (in double precision). */
export function vectorNorm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  return Math.sqrt(sum);
}

/**
 * The vector scaled to unit length, as a new Float32Array; throws when it is zero, too short to have a
 * direction, or holds a value that is not finite (such a vector cannot be ranked against).
 */
export function unitVector(vector: ArrayLike<number>, what: string): Float32Array {
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i])) throw new Error(`${what}: value ${i} is ${vector[i]}, not a finite number`);
  }
  const norm = vectorNorm(vector);
  if (!(norm >= MIN_VECTOR_NORM)) throw new Error(`${what}: is a zero vector (length ${norm}), which has no direction to compare`);
  const unit = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) unit[i] = vector[i] / norm;
  return unit;
}

/** Dot product of row `row` of `matrix` (rows of `dim` values) with `query`; unrolled by 4 (the hot loop). */
export function rowDot(matrix: Float32Array, dim: number, row: number, query: Float32Array): number {
  const base = row * dim;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    s0 += matrix[base + j] * query[j];
    s1 += matrix[base + j + 1] * query[j + 1];
    s2 += matrix[base + j + 2] * query[j + 2];
    s3 += matrix[base + j + 3] * query[j + 3];
  }
  for (; j < dim; j++) s0 += matrix[base + j] * query[j];
  return s0 + s1 + s2 + s3;
}

function checkShape(matrix: Float32Array, dim: number, query: ArrayLike<number>, k: number): number {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`top-k: the dimension must be a positive integer, got ${dim}`);
  if (matrix.length % dim !== 0) throw new Error(`top-k: the matrix holds ${matrix.length} values, not a whole number of rows of ${dim}`);
  if (query.length !== dim) throw new Error(`top-k: the query has ${query.length} values but the stored vectors have ${dim}`);
  if (!Number.isInteger(k) || k < 0) throw new Error(`top-k: k must be a whole number ≥ 0, got ${k}`);
  return matrix.length / dim;
}

/**
 * The k rows most similar to `query` (cosine: the query is normalised here, the rows are expected unit length),
 * best first; equal scores keep row order (the lower row first), as a stable sort would. k > rows gives every row.
 * `include(row)` leaves rows out (e.g. the query image itself). Throws for a zero or non-finite query.
 */
export function topKCosine(matrix: Float32Array, dim: number, query: ArrayLike<number>, k: number, include?: (row: number) => boolean): RowScore[] {
  const rows = checkShape(matrix, dim, query, k);
  const unit = unitVector(query, 'the query vector');
  const size = Math.min(k, rows);
  if (size === 0) return [];
  // Min-heap by (score ascending, row descending): the root is the worst of the best rows kept so far.
  const heapRows = new Int32Array(size);
  const heapScores = new Float64Array(size);
  let count = 0;
  const worse = (a: number, b: number): boolean => heapScores[a] < heapScores[b] || (heapScores[a] === heapScores[b] && heapRows[a] > heapRows[b]);
  const swap = (a: number, b: number): void => {
    const r = heapRows[a];
    heapRows[a] = heapRows[b];
    heapRows[b] = r;
    const s = heapScores[a];
    heapScores[a] = heapScores[b];
    heapScores[b] = s;
  };
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < count && worse(left, smallest)) smallest = left;
      if (right < count && worse(right, smallest)) smallest = right;
      if (smallest === i) return;
      swap(i, smallest);
      i = smallest;
    }
  };
  for (let row = 0; row < rows; row++) {
    if (include && !include(row)) continue;
    const score = rowDot(matrix, dim, row, unit);
    if (count < size) {
      heapRows[count] = row;
      heapScores[count] = score;
      let i = count++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(i, parent)) break;
        swap(i, parent);
        i = parent;
      }
    } else if (score > heapScores[0]) {
      // Rows come in ascending order, so an equal score never displaces a kept (lower) row.
      heapRows[0] = row;
      heapScores[0] = score;
      siftDown(0);
    }
  }
  const ranked: RowScore[] = [];
  for (let i = 0; i < count; i++) ranked.push({ row: heapRows[i], score: heapScores[i] });
  return ranked.sort((a, b) => b.score - a.score || a.row - b.row);
}

/**
 * The naive baseline the bench compares with: every row's score, then a full sort. Same order as topKCosine
 * (kept as its reference in the tests).
 */
export function topKBySort(matrix: Float32Array, dim: number, query: ArrayLike<number>, k: number, include?: (row: number) => boolean): RowScore[] {
  const rows = checkShape(matrix, dim, query, k);
  const unit = unitVector(query, 'the query vector');
  const all: RowScore[] = [];
  for (let row = 0; row < rows; row++) if (!include || include(row)) all.push({ row, score: rowDot(matrix, dim, row, unit) });
  return all.sort((a, b) => b.score - a.score || a.row - b.row).slice(0, k);
}
