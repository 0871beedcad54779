"""VQA answer probabilities: calibration, the "uncertain" threshold, and the refusal probes
(issue 12 item 5, interface 0.3 "answer_probability" / "answer_uncertain_below").

  * Expected calibration error: metrics.expected_calibration_error (10 equal-width bins) of the
    answers' sequence probabilities against exact-match correctness, on the VQA validation
    questions (data.py's split: 10 % of trainset.json's questions, never trained on) and on test.
  * answer_uncertain_below (calibrated on validation only): the LOWEST probability p, among the
    validation answers' own probabilities, such that the answers with probability >= p are right
    at least TARGET_ACCURACY of the time and there are at least MIN_ANSWERS of them; None when no
    p qualifies (then the app shows no answer as confident). Answers below it are "uncertain".
  * Refusal probes: a fixed list of questions the model must not answer (nonsense words, German,
    a 500-character question); the refusal rate is the fraction refused by the question rules.
"""
from __future__ import annotations

import numpy as np

from metrics import expected_calibration_error

TARGET_ACCURACY = 0.8
MIN_ANSWERS = 20
ECE_BINS = 10

_LONG = ("is there any evidence in this image of a pneumothorax or a pleural effusion or a rib fracture "
         "or a mass in the left or the right lung or an enlarged heart or free air under the diaphragm "
         "or a nodule in the upper lobe or a consolidation in the lower lobe and is the trachea midline "
         "and are the bones normal and is the patient positioned correctly and is this image taken in "
         "the posteroanterior or the anteroposterior projection and is the mediastinum widened "
         "and is the heart size normal for the age of this patient")
assert len(_LONG) >= 500, len(_LONG)

REFUSAL_PROBES = [
    ("nonsense", "xyzzy plugh frobnicate?"),
    ("nonsense", "blorp snargle wibble fnord?"),
    ("nonsense", "qwzx vbnm plokij?"),
    ("nonsense", "is the zorblax flimflam quuxed?"),
    ("german", "Ist das ein normales Bild?"),
    ("german", "Gibt es einen Pneumothorax?"),
    ("german", "Wo befindet sich die Läsion?"),
    ("german", "Welche Bildgebung wurde verwendet?"),
    ("long_500_characters", _LONG),
]


def calibrate_uncertain_below(probs: list[float], correct: list[bool]) -> dict:
    p = np.asarray(probs, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    chosen = None
    for t in sorted(set(p.tolist())):
        sel = p >= t
        if sel.sum() >= MIN_ANSWERS and ok[sel].mean() >= TARGET_ACCURACY:
            chosen = float(t)
            break
    out = {"answer_uncertain_below": chosen, "target_accuracy": TARGET_ACCURACY, "min_answers": MIN_ANSWERS,
           "rule": "lowest validation answer probability p such that the validation answers with probability "
                   f">= p are right >= {TARGET_ACCURACY} of the time, with >= {MIN_ANSWERS} of them"}
    if chosen is not None:
        sel = p >= chosen
        out.update({"val_answers_at_or_above": int(sel.sum()), "val_accuracy_at_or_above": float(ok[sel].mean()),
                    "val_answers_below": int((~sel).sum()),
                    "val_accuracy_below": float(ok[~sel].mean()) if (~sel).any() else None})
    return out


def probability_report(probs: list[float], correct: list[bool], threshold: float | None) -> dict:
    """ECE, mean probability, and accuracy above / below a threshold, of one set of answers."""
    if not probs:
        return {"n": 0}
    p = np.asarray(probs, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    out = {"n": len(probs), "ece_10_bins": expected_calibration_error(p.tolist(), ok.tolist(), ECE_BINS),
           "mean_probability": float(p.mean()), "accuracy": float(ok.mean()),
           "probability_quartiles": [float(q) for q in np.quantile(p, [0.25, 0.5, 0.75])]}
    if threshold is not None:
        sel = p >= threshold
        out["confident"] = {"n": int(sel.sum()), "accuracy": float(ok[sel].mean()) if sel.any() else None}
        out["uncertain"] = {"n": int((~sel).sum()), "accuracy": float(ok[~sel].mean()) if (~sel).any() else None}
    return out
