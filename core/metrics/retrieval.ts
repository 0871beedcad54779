/**
 * Retrieval metrics (report ↔ image search, similar-case lookup).
 */

export interface RetrievalQuery<Id = string> {
  /** Retrieved ids, best first. */
  ranked: readonly Id[];
  /** The ids that count as correct for this query (at least one). */
  relevant: readonly Id[];
}

function checkQueries<Id>(queries: RetrievalQuery<Id>[]): void {
  queries.forEach((q, index) => {
    if (q.relevant.length === 0) throw new Error(`retrieval query ${index} has no relevant item, so recall is undefined`);
  });
}

/**
 * Recall@K: mean over queries of |relevant ∩ top K| / |relevant|. With one relevant item per
 * query (the usual image ↔ text setup) this equals the hit rate. null for no queries.
 */
export function recallAtK<Id>(queries: RetrievalQuery<Id>[], k: number): number | null {
  checkQueries(queries);
  if (queries.length === 0) return null;
  let sum = 0;
  for (const q of queries) {
    const relevant = new Set(q.relevant);
    const found = new Set(q.ranked.slice(0, k).filter((id) => relevant.has(id)));
    sum += found.size / relevant.size;
  }
  return sum / queries.length;
}

/** Hit rate@K: fraction of queries with at least one relevant item in the top K. */
export function hitRateAtK<Id>(queries: RetrievalQuery<Id>[], k: number): number | null {
  checkQueries(queries);
  if (queries.length === 0) return null;
  const hits = queries.filter((q) => {
    const relevant = new Set(q.relevant);
    return q.ranked.slice(0, k).some((id) => relevant.has(id));
  }).length;
  return hits / queries.length;
}

/** Mean reciprocal rank of the first relevant item (0 for a query that never retrieves one). */
export function meanReciprocalRank<Id>(queries: RetrievalQuery<Id>[]): number | null {
  checkQueries(queries);
  if (queries.length === 0) return null;
  let sum = 0;
  for (const q of queries) {
    const relevant = new Set(q.relevant);
    const position = q.ranked.findIndex((id) => relevant.has(id));
    if (position >= 0) sum += 1 / (position + 1);
  }
  return sum / queries.length;
}

/**
 * Ranks from a square similarity matrix whose correct match for query i is item i (paired
 * image/text embeddings). Rank = 1 + number of OTHER items scoring ≥ the correct one, so ties
 * are counted against the model (a constant scorer gets no credit).
 */
export function diagonalRanks(similarity: readonly (readonly number[])[]): number[] {
  return similarity.map((row, i) => {
    if (row.length !== similarity.length) {
      throw new Error(`similarity row ${i} has ${row.length} scores for ${similarity.length} items (must be square)`);
    }
    const correct = row[i];
    if (Number.isNaN(correct)) throw new Error(`similarity[${i}][${i}] is NaN`);
    let rank = 1;
    for (let j = 0; j < row.length; j++) if (j !== i && row[j] >= correct) rank++;
    return rank;
  });
}

/** Recall@K (= hit rate, one correct item each) and MRR from ranks of the correct items. */
export function rankSummary(ranks: number[], ks: number[] = [1, 5, 10]): { recallAtK: Record<number, number>; mrr: number } | null {
  if (ranks.length === 0) return null;
  const recall: Record<number, number> = {};
  for (const k of ks) recall[k] = ranks.filter((r) => r <= k).length / ranks.length;
  return { recallAtK: recall, mrr: ranks.reduce((s, r) => s + 1 / r, 0) / ranks.length };
}
