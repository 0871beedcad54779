"""Metrics used by training and evaluation — the Python side of `core/metrics`.

Every function here follows the definition of the TypeScript function named in its docstring
(core/metrics is the product's one definition; this file exists because the recipe runs in
Python). `core/metrics/parity.test.ts` checks the two agree to 1e-9 on the fixed inputs in
`core/metrics/fixtures/parity-inputs.json`; `metrics_parity.py` writes this file's values for
them into `core/metrics/fixtures/parity-python.json`.

Text is seen through `tokenize` (core/metrics `tokenize`): lowercase, a '.' between digits kept,
apostrophes deleted, every other Unicode punctuation / symbol character a space, split on
whitespace. Caption metrics therefore ignore punctuation ("head." and "head" are one token).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

import numpy as np

_DECIMAL_MARK = "\u0001"
_DECIMAL = re.compile(r"([0-9])\.(?=[0-9])")
_APOSTROPHES = re.compile("['\u2019]")


def tokenize(text: str) -> list[str]:
    """core/metrics `tokenize`."""
    t = _DECIMAL.sub(lambda m: m.group(1) + _DECIMAL_MARK, text.lower())
    t = _APOSTROPHES.sub("", t)
    t = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in t)
    return t.replace(_DECIMAL_MARK, ".").split()


# ---- segmentation ----------------------------------------------------------------------------

def iou(pred: np.ndarray, truth: np.ndarray) -> float | None:
    """|pred ∩ truth| / |pred ∪ truth| of two boolean masks; None when both are empty
    (core/metrics `perSliceIou` / `scoreCase`: an undefined ratio is null, never 1)."""
    inter = np.logical_and(pred, truth).sum()
    union = np.logical_or(pred, truth).sum()
    return None if union == 0 else float(inter) / float(union)


def slice_iou(pred: np.ndarray, truth: np.ndarray) -> float:
    """A slice's IoU in the lung tables of evaluate.py: an undefined IoU (both empty) counts as 0
    there, for the model and the classical baseline alike, so the two columns average the same
    slices (a val slice with an empty expert mask would otherwise crash np.mean / the wins count)."""
    v = iou(pred, truth)
    return 0.0 if v is None else v


# ---- captions --------------------------------------------------------------------------------

def _ngrams(words: list[str], n: int) -> Counter:
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def bleu(candidates: list[str], references: list[list[str]], max_n: int = 4) -> dict:
    """core/metrics `bleu`: corpus BLEU-1..max_n, clipped counts (max over references), uniform
    weights, no smoothing; BP from the reference length closest to each candidate (ties -> the
    shorter); BP 0 for an empty corpus of candidates."""
    match = [0] * max_n
    total = [0] * max_n
    c_len = r_len = 0
    for cand, refs in zip(candidates, references):
        if not refs:
            raise ValueError("BLEU: an item has no reference text")
        c = tokenize(cand)
        rs = [tokenize(r) for r in refs]
        c_len += len(c)
        closest = len(rs[0])
        for r in rs:
            gap, best_gap = abs(len(r) - len(c)), abs(closest - len(c))
            if gap < best_gap or (gap == best_gap and len(r) < closest):
                closest = len(r)
        r_len += closest
        for n in range(1, max_n + 1):
            max_ref: Counter = Counter()
            for r in rs:
                for g, v in _ngrams(r, n).items():
                    max_ref[g] = max(max_ref[g], v)
            for g, v in _ngrams(c, n).items():
                match[n - 1] += min(v, max_ref[g])
                total[n - 1] += v
    precisions = [0.0 if t == 0 else m / t for m, t in zip(match, total)]
    bp = 0.0 if c_len == 0 else (1.0 if c_len > r_len else math.exp(1 - r_len / c_len))
    scores, log_sum = [], 0.0
    for n in range(1, max_n + 1):
        if any(p == 0 for p in precisions[:n]):
            scores.append(0.0)
            continue
        log_sum = sum(math.log(p) for p in precisions[:n])
        scores.append(bp * math.exp(log_sum / n))
    return {"bleu": scores, "precisions": precisions, "brevity_penalty": bp,
            "candidate_length": c_len, "reference_length": r_len}


def bleu4(candidates: list[str], references: list[list[str]]) -> float:
    return bleu(candidates, references, 4)["bleu"][3]


def _lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge_l_per_item(candidates: list[str], references: list[list[str]], beta: float = 1.2) -> list[float]:
    """core/metrics `rougeL`: P = max over references of LCS/|cand|, R = max of LCS/|ref| (taken
    separately), F = (1+β²)PR / (R + β²P), 0 when P or R is 0."""
    out = []
    for cand, refs in zip(candidates, references):
        c = tokenize(cand)
        p = r_ = 0.0
        for ref in refs:
            r = tokenize(ref)
            l = _lcs(c, r)
            if c:
                p = max(p, l / len(c))
            if r:
                r_ = max(r_, l / len(r))
        out.append(0.0 if p == 0 or r_ == 0 else ((1 + beta ** 2) * p * r_) / (r_ + beta ** 2 * p))
    return out


def rouge_l(candidates: list[str], references: list[list[str]], beta: float = 1.2) -> float:
    return _mean(rouge_l_per_item(candidates, references, beta))


def cider_d_per_item(candidates: list[str], references: list[list[str]], sigma: float = 6.0,
                     max_n: int = 4) -> list[float]:
    """core/metrics `ciderD` (the COCO caption code): df over the evaluated corpus (an item's
    references together), idf = ln N − ln max(1, df); clipped cosine per order; Gaussian penalty
    on the difference in BIGRAM counts (σ = 6); ×10, mean over orders and references."""
    cands = [[_ngrams(tokenize(c), n) for n in range(1, max_n + 1)] for c in candidates]
    refs = [[[_ngrams(tokenize(r), n) for n in range(1, max_n + 1)] for r in rs] for rs in references]
    df: Counter = Counter()
    for rs in refs:
        seen = set()
        for r in rs:
            for counts in r:
                seen.update(counts)
        df.update(seen)
    log_n = math.log(len(candidates)) if candidates else 0.0

    def vec(counts):
        weights = [{g: tf * (log_n - math.log(max(1.0, df[g]))) for g, tf in by_gram.items()} for by_gram in counts]
        norms = [math.sqrt(sum(v * v for v in w.values())) for w in weights]
        length = sum(counts[1].values()) if len(counts) > 1 else 0
        return weights, norms, length

    out = []
    for c_counts, r_list in zip(cands, refs):
        wc, nc, lc = vec(c_counts)
        total = 0.0
        for r_counts in r_list:
            wr, nr, lr = vec(r_counts)
            penalty = math.exp(-((lc - lr) ** 2) / (2 * sigma * sigma))
            order_sum = 0.0
            for o in range(max_n):
                dot = sum(min(w, wr[o].get(g, 0.0)) * wr[o].get(g, 0.0) for g, w in wc[o].items())
                prod = nc[o] * nr[o]
                order_sum += (dot if prod == 0 else dot / prod) * penalty
            total += order_sum / max_n
        out.append(10 * total / len(r_list))
    return out


def cider_d(candidates: list[str], references: list[list[str]], sigma: float = 6.0) -> float:
    return _mean(cider_d_per_item(candidates, references, sigma))


def _mean(values: list[float]) -> float:
    """core/metrics meanOf: left-to-right sum / count; 0 for none."""
    s = 0.0
    for v in values:
        s += v
    return s / len(values) if values else 0.0


# ---- retrieval -------------------------------------------------------------------------------

def recall_at_k(queries: list[dict], k: int) -> float | None:
    """core/metrics `recallAtK`: mean over queries of |relevant ∩ top K| / |relevant|.
    A query is {"ranked": [...ids best first], "relevant": [...ids]}."""
    if any(not q["relevant"] for q in queries):
        raise ValueError("retrieval query has no relevant item, so recall is undefined")
    if not queries:
        return None
    s = 0.0
    for q in queries:
        rel = set(q["relevant"])
        s += len(set(q["ranked"][:k]) & rel) / len(rel)
    return s / len(queries)


def mean_reciprocal_rank(queries: list[dict]) -> float | None:
    """core/metrics `meanReciprocalRank`: 1 / rank of the first relevant id (0 if never retrieved)."""
    if any(not q["relevant"] for q in queries):
        raise ValueError("retrieval query has no relevant item")
    if not queries:
        return None
    s = 0.0
    for q in queries:
        rel = set(q["relevant"])
        pos = next((i for i, x in enumerate(q["ranked"]) if x in rel), -1)
        if pos >= 0:
            s += 1 / (pos + 1)
    return s / len(queries)


def diagonal_ranks(similarity) -> list[int]:
    """core/metrics `diagonalRanks`: query i's correct item is i; rank = 1 + number of OTHER
    items scoring >= the correct one (ties count against the model)."""
    sim = np.asarray(similarity, dtype=np.float64)
    if sim.ndim != 2 or sim.shape[0] != sim.shape[1]:
        raise ValueError(f"similarity must be square, got {sim.shape}")
    diag = np.diag(sim)
    if np.isnan(diag).any():
        raise ValueError("similarity has NaN on the diagonal")
    ge = (sim >= diag[:, None]).sum(1) - 1  # minus the correct item itself
    return [int(r) + 1 for r in ge]


def rank_summary(ranks: list[int], ks=(1, 5, 10)) -> dict | None:
    """core/metrics `rankSummary`: Recall@K (one correct item each) and MRR from ranks."""
    if not ranks:
        return None
    recall = {str(k): sum(1 for r in ranks if r <= k) / len(ranks) for k in ks}
    mrr = 0.0
    for r in ranks:
        mrr += 1 / r
    return {"recall_at_k": recall, "mrr": mrr / len(ranks)}


# ---- classification and calibration ----------------------------------------------------------

def accuracy(truth: list, pred: list) -> float | None:
    """core/metrics `accuracy`."""
    if len(truth) != len(pred):
        raise ValueError("accuracy: lengths differ")
    return None if not truth else sum(1 for t, p in zip(truth, pred) if t == p) / len(truth)


def macro_f1(truth: list, pred: list) -> float | None:
    """core/metrics `macroF1`: mean per-class F1 = 2tp/(2tp+fp+fn) over classes in truth ∪ pred,
    summed in first-seen order."""
    if len(truth) != len(pred):
        raise ValueError("macro_f1: lengths differ")
    stats: dict = {}
    for t, p in zip(truth, pred):
        if t == p:
            stats.setdefault(t, [0, 0, 0])[0] += 1
        else:
            stats.setdefault(t, [0, 0, 0])[2] += 1
            stats.setdefault(p, [0, 0, 0])[1] += 1
    if not stats:
        return None
    s = 0.0
    for tp, fp, fn in stats.values():
        s += 2 * tp / (2 * tp + fp + fn)
    return s / len(stats)


def calibration_bin(confidence: float, bins: int) -> int:
    """core/metrics `calibrationBin`: bin b holds (b/M, (b+1)/M]; confidence 0 is in bin 0."""
    return min(bins - 1, max(0, math.ceil(confidence * bins) - 1))


def expected_calibration_error(confidences: list[float], correct: list[bool], bins: int = 10) -> float | None:
    """core/metrics `expectedCalibrationError`: Σ_b |B_b|/n · |accuracy(B_b) − mean confidence(B_b)|
    over equal-width bins (calibration_bin); None for no samples."""
    if len(confidences) != len(correct):
        raise ValueError("expected_calibration_error: lengths differ")
    for c in confidences:
        if not (0.0 <= c <= 1.0):
            raise ValueError(f"confidence {c} is outside [0, 1]")
    if not confidences:
        return None
    count = [0] * bins
    conf_sum = [0.0] * bins
    hit_sum = [0] * bins
    for c, ok in zip(confidences, correct):
        b = calibration_bin(c, bins)
        count[b] += 1
        conf_sum[b] += c
        hit_sum[b] += 1 if ok else 0
    ece = 0.0
    for b in range(bins):
        if count[b]:
            ece += count[b] / len(confidences) * abs(hit_sum[b] / count[b] - conf_sum[b] / count[b])
    return ece
