"""Image-text pairs for the contrastive stage (issue 12 item 1). Every source, and what it gives:

  vqa_caption  VQA-RAD images that are NOT in testset.json (111): the caption derived from their
               train QA pairs (captions.py). Captions of test images are never trained on.
  vqa_qa       the same images' train QA pairs as one text each: "<question> <answer>"
               (normalised answer), e.g. "is there a pneumothorax? no".
  lung_ct      lung-ct train slices (187), HU: "ct, axial, chest. lungs." (one text for all).
  dicom        every single-image (or middle-frame) picture under <data>/dicom that pydicom can
               decode, EXCEPT dicom/ct-series-totalseg (kept for the "no lung" evaluation): a text
               from its header facts (header_facts.py, the one rule the app uses too) in the
               caption form "<modality>, <plane>, <body part>." (captions.header_caption; unknown
               parts left out); files with no decodable 2-D image or an unknown modality are
               skipped (counted). Their facts are kept (`facts`) for the header tokens of stage 2.
               CT pixels -> HU -> the unit range of preprocess.hu_to_unit; others: the frame's
               own min..max -> [0,1].
Held out (never trained on): the VQA-RAD test images (203) with their derived captions
(references from all their QA pairs, as evaluate.py builds them) — text->image retrieval is
measured on them.
Images are cached at S x S (unit range, float16, fitted as preprocess.fit_unit does: "pad" for
0.3) in .work/pairs_S<size>[_pad].npz (git-ignored); `content` holds each image's [ch, cw].
"""
from __future__ import annotations

import json
import os

import numpy as np
import pydicom

import data as datamod
from captions import captions_by_image, normalise_answer, header_caption
from header_facts import UNK, header_facts, tags_of_dataset
from preprocess import hu_to_unit, fit_unit

LUNG_TEXT = "ct, axial, chest. lungs."
# what lung-ct slices are (the data set's README: axial chest CT); contrast is not stated
LUNG_FACTS = {"modality": "ct", "plane": "axial", "body_part": "chest", "contrast": UNK}
DICOM_EXCLUDED = ("ct-series-totalseg",)


def dataset_facts(ds) -> dict:
    return header_facts(tags_of_dataset(ds))


def dicom_unit_image(ds) -> np.ndarray | None:
    arr = ds.pixel_array
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        arr = arr[frames // 2]
    if str(ds.get("PhotometricInterpretation", "")).startswith(("RGB", "YBR")) or arr.ndim == 3:
        if arr.ndim == 3 and arr.shape[-1] in (3, 4):
            arr = arr[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        else:
            return None
    if arr.ndim != 2 or min(arr.shape) < 16:
        return None
    if str(ds.get("Modality", "")).upper() == "CT":
        return hu_to_unit(arr.astype(np.float32), float(ds.get("RescaleSlope", 1) or 1),
                          float(ds.get("RescaleIntercept", 0) or 0))
    a = arr.astype(np.float32)
    if str(ds.get("PhotometricInterpretation", "")) == "MONOCHROME1":
        a = a.max() - a
    lo, hi = float(a.min()), float(a.max())
    return np.zeros_like(a) if hi <= lo else (a - lo) / (hi - lo)


def dicom_pairs(size: int, fit: str = "stretch") -> tuple[list[np.ndarray], list[str], list[dict], list, dict]:
    """(images at S x S, header texts, header facts, [ch, cw] contents, skipped counts)."""
    root = os.path.join(datamod.data_dir(), "dicom")
    images, texts, facts, contents = [], [], [], []
    skipped = {"no_image": 0, "no_modality": 0, "excluded_folder": 0}
    for dirpath, _, files in sorted(os.walk(root)):
        rel = os.path.relpath(dirpath, root)
        for name in sorted(files):
            if any(rel.startswith(x) for x in DICOM_EXCLUDED):
                skipped["excluded_folder"] += 1
                continue
            try:
                ds = pydicom.dcmread(os.path.join(dirpath, name))
            except Exception:
                skipped["no_image"] += 1
                continue
            f = dataset_facts(ds)
            if f["modality"] == UNK:
                skipped["no_modality"] += 1
                continue
            try:
                unit = dicom_unit_image(ds)
            except Exception:
                unit = None
            if unit is None:
                skipped["no_image"] += 1
                continue
            img, hw = fit_unit(unit, size, fit)
            images.append(img[0, 0].numpy())
            texts.append(header_caption(f))
            facts.append(f)
            contents.append(list(hw))
    return images, texts, facts, contents, skipped


def build_pairs(size: int, arrays: dict, meta: dict, fit: str = "stretch") -> dict:
    """All training pairs + the held-out test-image captions. Image ids index `images`;
    `facts` maps an image id (as a string) to its header facts (lung slices and DICOM images);
    `content` lists each image's [ch, cw] on the S x S canvas."""
    path = os.path.join(datamod.WORK_DIR, f"pairs_S{size}.npz" if fit == "stretch" else f"pairs_S{size}_{fit}.npz")
    if os.path.exists(path):
        z = np.load(path)
        return {"images": z["images"], **json.loads(bytes(z["meta"]).decode())}
    train_rows, test_rows = meta["vqa_train"], meta["vqa_test"]
    test_images = {r["image_name"] for r in test_rows}
    vqa_index = {n: i for i, n in enumerate(meta["vqa_names"])}
    images: list[np.ndarray] = []
    content: list = []
    facts: dict[str, dict] = {}
    pairs: list[tuple[int, str, str]] = []  # (image id, text, source)
    id_of: dict[str, int] = {}
    vqa_content = meta.get("vqa_content")

    def vqa_image(name: str) -> int:
        if name not in id_of:
            id_of[name] = len(images)
            images.append(arrays["vqa_images"][vqa_index[name]].astype(np.float32))
            content.append(vqa_content[vqa_index[name]] if vqa_content else [size, size])
        return id_of[name]

    trainable = [r for r in train_rows if r["image_name"] not in test_images]
    for name, cap in sorted(captions_by_image(trainable).items()):
        pairs.append((vqa_image(name), cap, "vqa_caption"))
    for r in sorted(trainable, key=lambda r: r["qid"]):
        pairs.append((vqa_image(r["image_name"]), f"{r['question']} {normalise_answer(str(r['answer']))}", "vqa_qa"))
    for img in arrays["lung_train_images"]:
        facts[str(len(images))] = dict(LUNG_FACTS)
        pairs.append((len(images), LUNG_TEXT, "lung_ct"))
        images.append(img.astype(np.float32))
        content.append([size, size])
    d_images, d_texts, d_facts, d_content, skipped = dicom_pairs(size, fit)
    for img, text, f, hw in zip(d_images, d_texts, d_facts, d_content):
        facts[str(len(images))] = f
        pairs.append((len(images), text, "dicom"))
        images.append(img)
        content.append(hw)
    refs = captions_by_image(train_rows + test_rows)
    held = [(vqa_image(n), refs[n]) for n in sorted(test_images)]
    out = {"pairs": pairs, "held_out": held, "dicom_skipped": skipped, "facts": facts, "content": content}
    np.savez_compressed(path, images=np.stack(images).astype(np.float16),
                        meta=np.frombuffer(json.dumps(out).encode(), np.uint8))
    return {"images": np.stack(images).astype(np.float16), **out}


def source_counts(pairs) -> dict:
    counts: dict[str, dict] = {}
    for img, text, src in pairs:
        c = counts.setdefault(src, {"pairs": 0, "images": set(), "texts": set()})
        c["pairs"] += 1
        c["images"].add(img)
        c["texts"].add(text)
    return {k: {"pairs": v["pairs"], "images": len(v["images"]), "distinct_texts": len(v["texts"])}
            for k, v in counts.items()}
