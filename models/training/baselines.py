"""Baselines and failure checks that evaluate.py runs beside the model (issue 12, item 5):
  * lung_baseline_report: the classical lung mask (lung_baseline.py, settings chosen on train)
    per val slice against the model's per-slice IoU, and how many slices the model wins;
  * no_lung_report: the "lung" prompt on images without lungs — VQA-RAD head images
    (image_organ HEAD; JPEG, so no header facts) and the slices of the real CT series labelled
    no_lung in no_lung_ct_slices.json (fed with their own DICOM headers' facts when the folder
    has header fusion) — fraction with an empty mask as the app returns it (presence below
    presence_threshold, or no pixel >= the mask threshold) and the painted fraction of the
    image; with a presence head also the fraction judged absent and the mean presence
    probability; the classical baseline on the CT slices too;
  * vqa_chance_baselines: random yes/no and random train answer (expected accuracies) and
    always-"yes" / always-"no";
  * answers_unchanged: how many closed answers stay the same when the image is replaced.
"""
from __future__ import annotations

import json
import os
from collections import Counter

import numpy as np
import pydicom
import torch
from PIL import Image

import data as datamod
import lung_baseline
from header_facts import header_facts, tags_of_dataset
from captions import normalise_answer
from infer import encode, hires_pixels, predict_masks, seg_prompt
from metrics import iou, slice_iou
from preprocess import fit_unit, hu_to_unit, MEAN, STD

HERE = os.path.dirname(os.path.abspath(__file__))
NO_LUNG_LIST = os.path.join(HERE, "no_lung_ct_slices.json")
MASK_THRESHOLD = 0.5


def load_lung_hu(split: str) -> tuple[list[str], list[np.ndarray], list[np.ndarray]]:
    """Full-resolution HU slices and binary expert masks of a lung-ct split."""
    root = os.path.join(datamod.data_dir(), "lung-ct", split)
    names = sorted(os.listdir(os.path.join(root, "images")))
    hu, masks = [], []
    for n in names:
        hu.append(datamod.read_hu_png(os.path.join(root, "images", n)) - 1024)
        m = np.array(Image.open(os.path.join(root, "masks", n)))
        masks.append((m[..., 0] if m.ndim == 3 else m) > 127)
    return names, hu, masks


SEARCH_CACHE = os.path.join(datamod.WORK_DIR, "lung_baseline_search.json")


def train_settings_search() -> dict:
    """lung_baseline.choose_settings on lung-ct train; the result is kept in .work/ (keyed by the
    train file names and the grid) because the search is 20 x 187 full-resolution masks."""
    train_names, train_hu, train_masks = load_lung_hu("train")
    key = {"train_names": train_names, "thresholds": list(lung_baseline.THRESHOLDS),
           "radii": list(lung_baseline.CLOSING_RADII)}
    if os.path.exists(SEARCH_CACHE):
        with open(SEARCH_CACHE) as f:
            cached = json.load(f)
        if cached.get("key") == key:
            return cached["result"]
    result = lung_baseline.choose_settings(train_hu, train_masks, iou)
    os.makedirs(datamod.WORK_DIR, exist_ok=True)
    with open(SEARCH_CACHE, "w") as f:
        json.dump({"key": key, "result": result}, f)
    return result


def lung_baseline_report(model_iou_per_slice: dict[str, float]) -> dict:
    """The classical mask on the val slices the model was scored on (all, or --limit's first ones)."""
    choice = train_settings_search()
    names, val_hu, val_masks = load_lung_hu("val")
    keep = [i for i, n in enumerate(names) if n in model_iou_per_slice]
    names, val_hu, val_masks = [names[i] for i in keep], [val_hu[i] for i in keep], [val_masks[i] for i in keep]
    out = {"settings_search": choice}
    for key, s in (("chosen_on_train", choice["chosen"]), ("issue_settings", lung_baseline.ISSUE_SETTINGS)):
        per = {n: slice_iou(lung_baseline.lung_mask(h, s["threshold_hu"], s["closing_radius"]), m)
               for n, h, m in zip(names, val_hu, val_masks)}
        vals = list(per.values())
        wins = [n for n in names if model_iou_per_slice[n] > per[n]]
        out[key] = {"settings": s, "iou": float(np.mean(vals)), "iou_min": float(np.min(vals)),
                    "iou_median": float(np.median(vals)), "iou_per_slice": per,
                    "model_wins": len(wins), "baseline_wins": sum(model_iou_per_slice[n] < per[n] for n in names),
                    "n": len(names), "slices_model_wins": wins}
    return out


def ct_series_slices(labels: tuple[str, ...] | None = None) -> list[dict]:
    """The slices of dicom/ct-series-totalseg listed in no_lung_ct_slices.json (those with one of
    `labels`, or all): {"file", "label", "hu" (float32 HU), "tags" (header_facts.tags_of_dataset)}."""
    with open(NO_LUNG_LIST) as f:
        listing = json.load(f)
    folder = os.path.join(datamod.data_dir(), "dicom", "ct-series-totalseg")
    out = []
    for s in listing["slices"]:
        if labels is not None and s["label"] not in labels:
            continue
        d = pydicom.dcmread(os.path.join(folder, s["file"]))
        hu = d.pixel_array.astype(np.float32) * float(d.RescaleSlope) + float(d.RescaleIntercept)
        out.append({"file": s["file"], "label": s["label"], "hu": hu, "tags": tags_of_dataset(d)})
    return out


@torch.no_grad()
def lung_prompt_masks(model, tok, rules, units: list[np.ndarray], facts_per_image: list[dict | None],
                      batch: int = 16) -> dict:
    """The app's "lung" mask of each [0,1] image at its own size: painted fraction, whether the
    presence head judged it present, and the presence probability. Images of one size and one
    set of header facts run as a batch (same canvas content, same crop)."""
    n = len(units)
    painted, present, presence = [0.0] * n, [True] * n, [None] * n
    prompt = seg_prompt(tok, "lung")
    groups: dict[str, list[int]] = {}
    for i, (u, f) in enumerate(zip(units, facts_per_image)):
        groups.setdefault(json.dumps([u.shape, f], sort_keys=True), []).append(i)
    for idx_all in groups.values():
        for j in range(0, len(idx_all), batch):
            idx = idx_all[j:j + batch]
            fitted = [fit_unit(units[i], rules.image_size, rules.fit) for i in idx]
            x = (torch.cat([t for t, _ in fitted]) - MEAN) / STD
            ids = rules.header_ids_of(facts_per_image[idx[0]])
            hid = None if ids is None else torch.tensor([ids] * len(idx), dtype=torch.long)
            emb, feat = encode(model, x, hid)
            masks, ok, prob = predict_masks(model, rules, prompt, emb, feat, units[idx[0]].shape, fitted[0][1],
                                            hires_pixels(rules, [units[i] for i in idx]))
            for k, i in enumerate(idx):
                painted[i], present[i], presence[i] = float(masks[k].mean()), ok[k], prob[k]
    return {"painted": np.array(painted), "present": present, "presence": presence}


def summary(result: dict, names: list[str]) -> dict:
    painted = result["painted"]
    out = {"n": len(painted), "empty_mask_rate": float(np.mean(painted == 0)),
           "mean_painted_fraction": float(painted.mean()), "max_painted_fraction": float(painted.max()),
           "painted_fraction_per_image": {n: float(v) for n, v in zip(names, painted)}}
    if result.get("presence") and result["presence"][0] is not None:
        out["judged_absent_rate"] = float(np.mean([not p for p in result["present"]]))
        out["mean_presence_probability"] = float(np.mean(result["presence"]))
    return out


def subset(result: dict, names: list[str], keep: set[str]) -> tuple[dict, list[str]]:
    """The images of `result` whose name is in `keep` (same order)."""
    idx = [i for i, n in enumerate(names) if n in keep]
    out = {"painted": result["painted"][idx]}
    if result.get("presence") is not None:
        out["presence"] = [result["presence"][i] for i in idx]
        out["present"] = [result["present"][i] for i in idx]
    return out, [names[i] for i in idx]


def no_lung_report(model, tok, rules, head_units: list[np.ndarray], head_names: list[str],
                   limit: int | None = None, test_images: set[str] | None = None) -> dict:
    """`test_images`: the VQA-RAD test images. The recipe trains presence 0 on head images that are not test
    images, so the head figure that means something is the one over test images (`..._test_images`)."""
    head = lung_prompt_masks(model, tok, rules, head_units, [None] * len(head_units))
    slices = ct_series_slices(("no_lung",))[:limit]
    units = [hu_to_unit(s["hu"], 1.0, 0.0) for s in slices]
    facts = [header_facts(s["tags"]) for s in slices]
    ct = lung_prompt_masks(model, tok, rules, units, facts if rules.header_fusion else [None] * len(units))
    names = [s["file"] for s in slices]
    st = lung_baseline.ISSUE_SETTINGS
    base = np.array([lung_baseline.lung_mask(s["hu"], st["threshold_hu"], st["closing_radius"]).mean()
                     for s in slices])
    return {"definition": "lung prompt; empty = the app's mask has no pixel: presence probability below "
                          "presence_threshold (when the folder has a presence head) or no pixel with "
                          f"probability >= {rules.mask_threshold}; each image at its own size after the "
                          f'runtime\'s crop and resize (fit "{rules.fit}")',
            "vqa_rad_head_images": summary(head, head_names),
            **({"vqa_rad_head_images_test_images": summary(*subset(head, head_names, test_images))}
               if test_images and any(n in test_images for n in head_names) else {}),
            "ct_series_below_lung_base": {"model": summary(ct, names),
                                          "header_facts_fed": bool(rules.header_fusion),
                                          "header_facts": facts[0] if facts else None,
                                          "baseline_classical_issue_settings": summary({"painted": base}, names),
                                          "labels": os.path.basename(NO_LUNG_LIST)}}


def vqa_chance_baselines(train: list[dict], test: list[dict]) -> dict:
    """Expected accuracies of chance answerers (no sampling noise) and constant answers."""
    def closed(r):
        return r["answer_type"].strip().upper() == "CLOSED"
    gold = [normalise_answer(str(r["answer"])) for r in test]
    is_closed = [closed(r) for r in test]
    open_answers = sorted({normalise_answer(str(r["answer"])) for r in train if not closed(r)})
    n_c = sum(is_closed)
    n_o = len(test) - n_c

    def per(total, n):  # None for a set without such questions (--limit runs)
        return total / n if n else None
    rand_closed = per(sum(0.5 for g, c in zip(gold, is_closed) if c and g in ("yes", "no")), n_c)
    rand_open = per(sum(1 / len(open_answers) for g, c in zip(gold, is_closed) if not c and g in open_answers), n_o)
    out = {"random_yes_no_closed": rand_closed, "random_train_open_answer_open": rand_open,
           "n_distinct_train_open_answers": len(open_answers)}
    for const in ("yes", "no"):
        out[f"always_{const}_closed"] = per(sum(g == const for g, c in zip(gold, is_closed) if c), n_c)
    top_open = Counter(normalise_answer(str(r["answer"])) for r in train if not closed(r)).most_common(1)[0][0]
    out["most_frequent_train_open_answer"] = top_open
    out["most_frequent_train_open_answer_open"] = per(sum(g == top_open for g, c in zip(gold, is_closed) if not c), n_o)
    return out


def answers_unchanged(a: list[str], b: list[str], rows: list[dict]) -> dict:
    """Fraction of closed / open answers that are identical (normalised) between two runs."""
    out = {}
    for kind in ("CLOSED", "OPEN"):
        pairs = [(x, y) for x, y, r in zip(a, b, rows) if r["answer_type"].strip().upper() == kind]
        out[kind.lower()] = float(np.mean([normalise_answer(x) == normalise_answer(y) for x, y in pairs])) if pairs else None
    return out
