"""Write captions.captions_by_image of the parity rows (core/datasets/fixtures/vqa-rad-captions-inputs.json)
and a sha256 of the captions of the real VQA-RAD set (trainset + testset, when the data directory has it;
the captions themselves are derived data and are not committed) to
core/datasets/fixtures/vqa-rad-captions-python.json, which core/datasets/vqa-rad-captions.test.ts compares
with captionsByImage. Standard library only.  Usage: python3 models/training/captions_parity.py
"""
from __future__ import annotations

import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from captions import captions_by_image  # noqa: E402

FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "core", "datasets", "fixtures"))


def digest(captions: dict[str, str]) -> str:
    """sha256 of "<image>\\t<caption>\\n" per image in name order (UTF-8)."""
    return hashlib.sha256("".join(f"{k}\t{v}\n" for k, v in sorted(captions.items())).encode("utf-8")).hexdigest()


if __name__ == "__main__":
    with open(os.path.join(FIXTURES, "vqa-rad-captions-inputs.json"), encoding="utf-8") as f:
        rows = json.load(f)["rows"]
    out = {"note": "written by models/training/captions_parity.py; do not edit by hand",
           "captions": captions_by_image(rows)}
    data = os.environ.get("VESALIUS_DATA_DIR") or os.path.join(HERE, "..", "..", "..", "shared", "data")
    vqa = os.path.join(data, "vqa-rad")
    if os.path.exists(os.path.join(vqa, "trainset.json")):
        with open(os.path.join(vqa, "trainset.json")) as f:
            train = json.load(f)
        with open(os.path.join(vqa, "testset.json")) as f:
            test = json.load(f)
        caps = captions_by_image(train + test)
        out["real_vqa_rad"] = {"images": len(caps), "sha256": digest(caps),
                               "rule": "sha256 of '<image>\\t<caption>\\n' per image in name order, UTF-8"}
    dst = os.path.join(FIXTURES, "vqa-rad-captions-python.json")
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(f"wrote {dst}")
