"""Write captions.normalise_answer of the fixed parity answers (core/metrics/fixtures/
answer-normalisation-inputs.json) to core/metrics/fixtures/answer-normalisation-python.json, which
core/metrics/training-answer.test.ts compares with normaliseTrainingAnswer (equal strings).
Needs the standard library only.  Usage: python3 models/training/answer_parity.py
"""
from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from captions import normalise_answer  # noqa: E402

FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "core", "metrics", "fixtures"))

if __name__ == "__main__":
    with open(os.path.join(FIXTURES, "answer-normalisation-inputs.json"), encoding="utf-8") as f:
        answers = json.load(f)["answers"]
    out = {"note": "written by models/training/answer_parity.py from answer-normalisation-inputs.json; do not edit by hand",
           "normalised": [normalise_answer(a) for a in answers]}
    dst = os.path.join(FIXTURES, "answer-normalisation-python.json")
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(f"wrote {dst}")
