"""Metrics: segmentation IoU, BLEU-4 (corpus, Papineni et al.), ROUGE-L (F, beta=1.2),
CIDEr-D (Vedantam et al.: tf-idf n-grams 1..4, Gaussian length penalty sigma=6, clipping,
x10) — computed over our own word tokens (tokenizer split), one reference per image."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    inter = np.logical_and(pred, truth).sum()
    union = np.logical_or(pred, truth).sum()
    return 1.0 if union == 0 else float(inter) / float(union)


def _ngrams(words: list[str], n: int) -> Counter:
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def bleu4(candidates: list[list[str]], references: list[list[str]]) -> float:
    match = [0] * 4
    total = [0] * 4
    c_len = r_len = 0
    for c, r in zip(candidates, references):
        c_len += len(c)
        r_len += len(r)
        for n in range(1, 5):
            cn, rn = _ngrams(c, n), _ngrams(r, n)
            match[n - 1] += sum(min(v, rn[g]) for g, v in cn.items())
            total[n - 1] += max(len(c) - n + 1, 0)
    if min(match) == 0:
        return 0.0
    log_p = sum(math.log(m / t) for m, t in zip(match, total)) / 4
    bp = 1.0 if c_len > r_len else math.exp(1 - r_len / max(c_len, 1))
    return bp * math.exp(log_p)


def _lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge_l(candidates: list[list[str]], references: list[list[str]], beta: float = 1.2) -> float:
    scores = []
    for c, r in zip(candidates, references):
        l = _lcs(c, r)
        if l == 0:
            scores.append(0.0)
            continue
        p, rc = l / len(c), l / len(r)
        scores.append(((1 + beta ** 2) * p * rc) / (rc + beta ** 2 * p))
    return float(np.mean(scores)) if scores else 0.0


def cider_d(candidates: list[list[str]], references: list[list[str]], sigma: float = 6.0) -> float:
    n_docs = len(references)
    df = [Counter() for _ in range(4)]
    for r in references:
        for n in range(4):
            for g in _ngrams(r, n + 1):
                df[n][g] += 1
    log_n = math.log(float(n_docs))

    def vec(words, n):
        tf = _ngrams(words, n + 1)
        v = {g: c * (log_n - math.log(max(1.0, df[n][g]))) for g, c in tf.items()}
        norm = math.sqrt(sum(x * x for x in v.values()))
        return v, norm

    scores = []
    for c, r in zip(candidates, references):
        s = 0.0
        for n in range(4):
            vc, nc = vec(c, n)
            vr, nr = vec(r, n)
            dot = sum(min(val, vr[g]) * vr[g] for g, val in vc.items() if g in vr)
            if nc > 0 and nr > 0:
                s += dot / (nc * nr) * math.exp(-((len(c) - len(r)) ** 2) / (2 * sigma ** 2))
        scores.append(s / 4 * 10.0)
    return float(np.mean(scores)) if scores else 0.0
