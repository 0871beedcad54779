"""Write metrics.py's values for the fixed parity inputs (core/metrics/fixtures/parity-inputs.json)
to core/metrics/fixtures/parity-python.json (or the path given), where core/metrics/parity.test.ts
compares them with core/metrics (<= 1e-9). Needs numpy only (no torch).
Usage: python3 models/training/metrics_parity.py [inputs.json] [outputs.json]
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import metrics as M  # noqa: E402

FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "core", "metrics", "fixtures"))


def mask(rows: list[str]) -> np.ndarray:
    return np.array([[ch != "0" for ch in row] for row in rows], dtype=bool)


def compute(inputs: dict) -> dict:
    caps = inputs["captions"]
    cands = [c["candidate"] for c in caps]
    refs = [c["references"] for c in caps]
    b = M.bleu(cands, refs, 4)
    q = inputs["retrieval_queries"]
    ranks = M.diagonal_ranks(inputs["similarity"])
    cal = inputs["calibration"]
    cls = inputs["classification"]
    return {
        "note": "written by models/training/metrics_parity.py from parity-inputs.json; do not edit by hand",
        "tokens": [M.tokenize(c) for c in cands],
        "bleu": b["bleu"], "bleu_precisions": b["precisions"], "bleu_brevity_penalty": b["brevity_penalty"],
        "rouge_l": M.rouge_l(cands, refs), "rouge_l_per_item": M.rouge_l_per_item(cands, refs),
        "cider_d": M.cider_d(cands, refs), "cider_d_per_item": M.cider_d_per_item(cands, refs),
        "iou": [M.iou(mask(m["pred"]), mask(m["truth"])) for m in inputs["masks"]],
        "recall_at_k": {str(k): M.recall_at_k(q, k) for k in inputs["recall_ks"]},
        "mrr": M.mean_reciprocal_rank(q),
        "diagonal_ranks": ranks,
        "rank_summary": M.rank_summary(ranks, inputs["rank_ks"]),
        "ece": {str(n): M.expected_calibration_error(cal["confidences"], cal["correct"], n) for n in cal["bins"]},
        "accuracy": M.accuracy(cls["truth"], cls["pred"]),
        "macro_f1": M.macro_f1(cls["truth"], cls["pred"]),
    }


if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(FIXTURES, "parity-inputs.json")
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(FIXTURES, "parity-python.json")
    with open(src, encoding="utf-8") as f:
        out = compute(json.load(f))
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {dst}")
