"""Data pipeline: reads the read-only data directory, writes a cached, preprocessed copy
(unit-range images at S x S, lung label maps, QA records) under models/training/.work/
(git-ignored; never committed). Everything is deterministic.

Lung labels (lung-ct masks are binary, 255 = lung): connected components (8-connectivity) of
the binary mask; the two largest are the lungs, ordered by centroid x. Patient-left is
image-right on axial slices, so the component with the larger centroid x is the LEFT lung.
Edge cases:
  * only one component, or the second largest is < 10 % of the largest (lungs touching at the
    anterior junction, or one lung only): if the component crosses the image mid-line with at
    least 25 % of its pixels on each side it is split at its centroid column; otherwise it is
    assigned by the side of its centroid (image-left half -> right lung).
  * further small components (airway bits, partial-volume islands) are assigned to the lung
    whose centroid x is nearer, so left U right always equals the binary expert mask.
  * empty mask: both labels empty.
"""
from __future__ import annotations

import json
import os
import random
from collections import deque

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from preprocess import hu_to_unit, gray8_to_unit, fit_unit

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
WORK_DIR = os.path.join(HERE, ".work")
BACKGROUND, RIGHT_LUNG, LEFT_LUNG = 0, 1, 2
VQA_VAL_FRACTION = 0.1
TRAIN_SIZE = 160  # S of the recipe's caches and models (train.py, contrastive.py)
SPLIT_SEED = 20261127


def data_dir() -> str:
    d = os.environ.get("VESALIUS_DATA_DIR") or os.path.join(PROJECT_ROOT, "..", "shared", "data")
    d = os.path.normpath(d)
    if not os.path.isdir(d):
        raise SystemExit(f"data directory not found: {d} (set VESALIUS_DATA_DIR)")
    return d


def components(binary: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected component labels (1..n) of a boolean image, by breadth-first search."""
    h, w = binary.shape
    labels = np.zeros((h, w), np.int32)
    n = 0
    ys, xs = np.nonzero(binary)
    for y0, x0 in zip(ys.tolist(), xs.tolist()):
        if labels[y0, x0]:
            continue
        n += 1
        labels[y0, x0] = n
        queue = deque([(y0, x0)])
        while queue:
            y, x = queue.popleft()
            for dy in (-1, 0, 1):
                yy = y + dy
                if yy < 0 or yy >= h:
                    continue
                for dx in (-1, 0, 1):
                    xx = x + dx
                    if 0 <= xx < w and binary[yy, xx] and not labels[yy, xx]:
                        labels[yy, xx] = n
                        queue.append((yy, xx))
    return labels, n


def lung_label_map(mask: np.ndarray) -> np.ndarray:
    """uint8 [H,W]: 0 background, 1 right lung (image-left), 2 left lung (image-right)."""
    binary = mask > 127
    out = np.zeros(mask.shape, np.uint8)
    labels, n = components(binary)
    if n == 0:
        return out
    sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    order = np.argsort(-sizes, kind="stable")
    w = mask.shape[1]
    xs_all = np.arange(w)[None, :].repeat(mask.shape[0], 0)
    cx = np.array([xs_all[labels == i + 1].mean() for i in range(n)])
    big = order[0]
    if n >= 2 and sizes[order[1]] >= 0.1 * sizes[big]:
        a, b = order[0], order[1]
        left_c, right_c = (a, b) if cx[a] > cx[b] else (b, a)  # larger x = patient left
        centres = {LEFT_LUNG: cx[left_c], RIGHT_LUNG: cx[right_c]}
    else:
        comp = labels == big + 1
        frac_left_half = (comp & (xs_all < w / 2)).sum() / comp.sum()
        if 0.25 <= frac_left_half <= 0.75:
            split = cx[big]
            centres = {LEFT_LUNG: split + 1.0, RIGHT_LUNG: split - 1.0}
            out[comp & (xs_all >= split)] = LEFT_LUNG
            out[comp & (xs_all < split)] = RIGHT_LUNG
            labels[comp] = 0
        else:
            side = LEFT_LUNG if cx[big] >= w / 2 else RIGHT_LUNG
            centres = {side: cx[big], (RIGHT_LUNG if side == LEFT_LUNG else LEFT_LUNG): w - cx[big]}
    for i in range(n):
        comp = labels == i + 1
        if not comp.any():
            continue
        nearest = LEFT_LUNG if abs(cx[i] - centres[LEFT_LUNG]) <= abs(cx[i] - centres[RIGHT_LUNG]) else RIGHT_LUNG
        out[comp] = nearest
    return out


def read_hu_png(path: str) -> np.ndarray:
    """lung-ct 16-bit PNG holding HU + 1024 -> stored values; HU = stored - 1024."""
    arr = np.array(Image.open(path))
    if arr.ndim != 2:
        raise ValueError(f"{path}: expected a single-channel 16-bit PNG, got shape {arr.shape}")
    return arr.astype(np.int32)


def read_gray8(path: str) -> np.ndarray:
    im = Image.open(path)
    if im.mode not in ("L", "RGB"):
        im = im.convert("RGB")
    return np.array(im)


def load_lung_split(split: str, size: int, fit: str = "stretch") -> dict:
    root = os.path.join(data_dir(), "lung-ct", split)
    names = sorted(os.listdir(os.path.join(root, "images")))
    images, targets, labels_full = [], [], []
    for name in names:
        raw = read_hu_png(os.path.join(root, "images", name))
        if fit == "pad" and raw.shape[0] != raw.shape[1]:
            raise ValueError(f"{name}: lung-ct slices are square; a {raw.shape} slice needs padded targets")
        images.append(fit_unit(hu_to_unit(raw, 1.0, -1024.0), size, fit)[0][0, 0].numpy())
        mask = np.array(Image.open(os.path.join(root, "masks", name)))
        if mask.ndim == 3:
            mask = mask[..., 0]
        lab = lung_label_map(mask)
        labels_full.append(lab)
        # soft targets at S: per-class coverage by bilinear resize of the binary maps
        t = torch.from_numpy(np.stack([(lab == RIGHT_LUNG), (lab == LEFT_LUNG)]).astype(np.float32))[None]
        targets.append(F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False)[0].numpy())
    return {"names": names, "images": np.stack(images).astype(np.float16),
            "targets": (np.stack(targets) * 255).round().astype(np.uint8),
            "labels_full": np.stack(labels_full)}


def load_vqa(size: int, fit: str = "stretch") -> dict:
    root = os.path.join(data_dir(), "vqa-rad")
    with open(os.path.join(root, "trainset.json")) as f:
        train = json.load(f)
    with open(os.path.join(root, "testset.json")) as f:
        test = json.load(f)
    names = sorted({r["image_name"] for r in train + test})
    images, content = [], []
    for n in names:
        unit, hw = fit_unit(gray8_to_unit(read_gray8(os.path.join(root, "images", n))), size, fit)
        images.append(unit[0, 0].numpy())
        content.append(list(hw))
    # VQA validation: 10 % of train QUESTIONS (the standard test split is also by question)
    rng = random.Random(SPLIT_SEED)
    qids = sorted(r["qid"] for r in train)
    val_qids = set(rng.sample(qids, int(round(VQA_VAL_FRACTION * len(qids)))))
    for r in train:
        r["split"] = "val" if r["qid"] in val_qids else "train"
    for r in test:
        r["split"] = "test"
    return {"names": names, "images": np.stack(images).astype(np.float16), "train": train, "test": test,
            "content": content}


def build_cache(size: int, fit: str = "stretch") -> str:
    """The cache file for images at S x S fitted the given way ("stretch": 0.2.0's cache_S<size>.npz;
    "pad": cache_S<size>_pad.npz, whose meta also holds each VQA-RAD image's content [ch, cw])."""
    os.makedirs(WORK_DIR, exist_ok=True)
    path = os.path.join(WORK_DIR, f"cache_S{size}.npz" if fit == "stretch" else f"cache_S{size}_{fit}.npz")
    if os.path.exists(path):
        return path
    tr = load_lung_split("train", size, fit)
    va = load_lung_split("val", size, fit)
    vqa = load_vqa(size, fit)
    meta = {"lung_train_names": tr["names"], "lung_val_names": va["names"], "vqa_names": vqa["names"],
            "vqa_train": vqa["train"], "vqa_test": vqa["test"], "size": size, "fit": fit,
            "vqa_content": vqa["content"]}
    np.savez_compressed(path, lung_train_images=tr["images"], lung_train_targets=tr["targets"],
                        lung_val_images=va["images"], lung_val_targets=va["targets"],
                        lung_val_labels_full=va["labels_full"], vqa_images=vqa["images"],
                        meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))
    return path


def load_cache(path: str) -> tuple[dict, dict]:
    z = np.load(path)
    arrays = {k: z[k] for k in z.files if k != "meta"}
    meta = json.loads(bytes(z["meta"]).decode())
    return arrays, meta


if __name__ == "__main__":
    import sys
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 224
    p = build_cache(size)
    print(p, os.path.getsize(p) // 1024, "KiB")
