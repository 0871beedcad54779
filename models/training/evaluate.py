"""Evaluate a model folder (default: the version export.VERSION names) — npm run model:eval.

The PyTorch model is rebuilt from the folder's ONNX initializers (export.load_onnx_weights), so
the numbers are for the exact shipped weights. In the same run:
  * VQA-RAD test (451 QA): accuracy, closed / open, normalised exact match
    (captions.normalise_answer: lowercase, word tokens, articles dropped);
  * lung-ct val (27 slices, scored at 512 after the runtime's bilinear resize of probabilities):
    lung IoU (prompt "lung" vs the binary expert mask; mean over slices) and mIoU = mean of the
    IoUs of "left lung" and "right lung" vs the connected-component labels (data.py);
  * captions of the 203 test images vs their derived reference captions: BLEU-4, ROUGE-L, CIDEr-D;
  * baselines: majority answer per question type (from train), chance answerers and constant
    answers, and a constant most frequent training caption; the same model with the image
    blanked (pixel_values all zeros) and with another test image, with the fraction of answers
    that do not change; the classical lung mask (lung_baseline.py, settings chosen on train) per
    val slice, and the "no lung" rate on head images and CT slices below the lung base
    (baselines.py).
  * latency on CPU with torch.set_num_threads(2) (PyTorch; the product runs onnxruntime).
Writes <folder>/eval.json.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from captions import captions_by_image, normalise_answer  # noqa: E402
from export import VERSION, load_onnx_weights  # noqa: E402
from model import Linear, VesaliusVLM  # noqa: E402
from tokenizer import WordTokenizer  # noqa: E402
from infer import greedy_generate, vqa_prefix, caption_prefix, seg_prompt, mask_probs  # noqa: E402
from metrics import iou, bleu4, rouge_l, cider_d  # noqa: E402
from preprocess import MEAN, STD  # noqa: E402
import data as datamod  # noqa: E402
import baselines  # noqa: E402

PROMPTS = ["lung", "left lung", "right lung"]


def answer_type(r) -> str:
    return r["answer_type"].strip().upper()


def qtype(r) -> str:
    return r["question_type"].strip().upper()


@torch.no_grad()
def encode_all(model, unit_images: torch.Tensor, blank: bool, batch: int = 16):
    embs, feats = [], []
    for i in range(0, len(unit_images), batch):
        x = (unit_images[i:i + batch] - MEAN) / STD
        if blank:
            x = torch.zeros_like(x)
        e, f = model.encoder(x)
        embs.append(e)
        feats.append(f)
    return torch.cat(embs), torch.cat(feats)


def vqa_scores(preds: list[str], rows: list[dict]) -> dict:
    hits = defaultdict(list)
    for p, r in zip(preds, rows):
        ok = normalise_answer(p) == normalise_answer(str(r["answer"]))
        hits[answer_type(r)].append(ok)
        hits["ALL"].append(ok)
    return {"closed": float(np.mean(hits["CLOSED"])), "open": float(np.mean(hits["OPEN"])),
            "overall": float(np.mean(hits["ALL"])), "n_closed": len(hits["CLOSED"]), "n_open": len(hits["OPEN"])}


def caption_scores(cands: list[str], refs: list[str]) -> dict:
    """One reference per image; tokens as core/metrics counts them (metrics.tokenize: no
    punctuation tokens), so the figures equal the app's scoring of the same texts."""
    r = [[x] for x in refs]
    return {"bleu4": bleu4(cands, r), "rouge_l": rouge_l(cands, r), "cider_d": cider_d(cands, r)}


def run_model(model, tok, arrays, meta, blank: bool, max_len: int, dev=torch.device("cpu"),
              other_image: bool = False) -> dict:
    """other_image: every test question is asked about ANOTHER test image (the next one in
    sorted name order, wrapping), and only the answers are computed."""
    names = meta["vqa_names"]
    index = {n: i for i, n in enumerate(names)}
    test = meta["vqa_test"]
    test_images = sorted({r["image_name"] for r in test})
    shown = test_images[1:] + test_images[:1] if other_image else test_images
    imgs = torch.from_numpy(arrays["vqa_images"][[index[n] for n in shown]].astype(np.float32))[:, None]
    emb, _ = encode_all(model, imgs.to(dev), blank)
    row_of = {n: i for i, n in enumerate(test_images)}
    emb_q = emb[[row_of[r["image_name"]] for r in test]]
    gens = greedy_generate(model, emb_q, [vqa_prefix(tok, r["question"], max_len) for r in test], 8, max_len)
    answers = [tok.decode(g) for g in gens]
    if other_image:
        return {"answers": answers}
    caps = greedy_generate(model, emb, [caption_prefix()] * len(test_images), 40, max_len)
    captions = [tok.decode(g) for g in caps]
    # lung val
    lung_imgs = torch.from_numpy(arrays["lung_val_images"].astype(np.float32))[:, None]
    labels = arrays["lung_val_labels_full"]
    le, lf = encode_all(model, lung_imgs.to(dev), blank)
    probs = {p: mask_probs(model, seg_prompt(tok, p), le, lf, labels.shape[1:]).cpu().numpy() for p in PROMPTS}
    ious = [iou(probs["lung"][j] > 0.5, labels[j] > 0) for j in range(len(labels))]
    right = [iou(probs["right lung"][j] > 0.5, labels[j] == 1) for j in range(len(labels))]
    left = [iou(probs["left lung"][j] > 0.5, labels[j] == 2) for j in range(len(labels))]
    return {"answers": answers, "captions": captions, "test_images": test_images,
            "lung": {"iou": float(np.mean(ious)), "iou_min": float(np.min(ious)),
                     "iou_median": float(np.median(ious)),
                     "iou_pooled": iou(probs["lung"] > 0.5, labels > 0),
                     "iou_per_slice": {n: float(v) for n, v in zip(meta["lung_val_names"], ious)},
                     "miou": float(np.mean([(a + b) / 2 for a, b in zip(left, right)])),
                     "iou_left_lung": float(np.mean(left)), "iou_right_lung": float(np.mean(right)),
                     "n": len(labels)}}


@torch.no_grad()
def latency(model, tok, size: int, max_len: int) -> dict:
    torch.set_num_threads(2)
    x = torch.randn(1, 1, size, size)

    def timed(fn, n=5):
        fn()
        t = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t) / n * 1000

    emb, feat = model.encoder(x)
    prefix = vqa_prefix(tok, "is there a pneumothorax?", max_len)

    def answer(steps=3):  # re-run the decoder on the growing sequence (no cache), as the runtime does
        seq = torch.tensor([prefix])
        for _ in range(steps):
            nxt = model.text(seq, emb)[:, -1].argmax(-1)
            seq = torch.cat([seq, nxt[:, None]], 1)

    def caption(steps=20):
        seq = torch.tensor([caption_prefix()])
        for _ in range(steps):
            nxt = model.text(seq, emb)[:, -1].argmax(-1)
            seq = torch.cat([seq, nxt[:, None]], 1)

    pid = torch.tensor([seg_prompt(tok, "left lung")])
    return {"threads": 2, "image_encode_ms": timed(lambda: model.encoder(x)),
            "answer_3_tokens_ms": timed(answer, 3), "mask_ms": timed(lambda: model.mask(pid, emb, feat)),
            "caption_20_tokens_ms": timed(caption, 2),
            "note": "PyTorch CPU, decoder re-run per token without cache (as the ONNX runtime does); "
                    "encode excluded from answer/mask/caption"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(HERE, "..", f"vesalius-vlm-{VERSION}"))
    ap.add_argument("--no-latency", action="store_true")
    ap.add_argument("--checkpoint", help="evaluate a train.py checkpoint instead of the folder's ONNX weights")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", help="where to write eval.json (default: the model folder)")
    args = ap.parse_args()
    folder = os.path.normpath(args.model)
    torch.set_num_threads(2)
    dev = torch.device(args.device)
    if args.checkpoint:
        model, vocab, _ = VesaliusVLM.load_checkpoint(args.checkpoint)
        tok = WordTokenizer(vocab)
    else:
        model, tok = load_onnx_weights(folder)
    size, max_len = model.dims.image_size, model.dims.max_text_len
    model = model.to(dev)
    arrays, meta = datamod.load_cache(datamod.build_cache(size))
    t0 = time.time()
    # same weights and math through MKL-DNN instead of the generic BLAS (~5x faster; see model.Linear)
    Linear.conv_path = dev.type == "cpu"
    res = run_model(model, tok, arrays, meta, blank=False, max_len=max_len, dev=dev)
    blank = run_model(model, tok, arrays, meta, blank=True, max_len=max_len, dev=dev)
    other = run_model(model, tok, arrays, meta, blank=False, max_len=max_len, dev=dev, other_image=True)
    test = meta["vqa_test"]
    train = meta["vqa_train"]
    # baseline: majority (normalised) train answer per question type
    per_type = defaultdict(Counter)
    for r in train:
        per_type[qtype(r)][normalise_answer(str(r["answer"]))] += 1
    overall = Counter(normalise_answer(str(r["answer"])) for r in train).most_common(1)[0][0]
    majority = [per_type[qtype(r)].most_common(1)[0][0] if qtype(r) in per_type else overall for r in test]
    # captions: references derived from ALL QA pairs of each test image (train + test questions)
    refs_all = captions_by_image(train + test)
    refs = [refs_all[n] for n in res["test_images"]]
    test_set = {r["image_name"] for r in test}
    train_caps = captions_by_image([r for r in train if r["image_name"] not in test_set])
    const_caption = Counter(train_caps.values()).most_common(1)[0][0]
    out = {
        "model": os.path.basename(folder),
        "weights": args.checkpoint and "checkpoint" or "onnx initializers",
        "device": args.device, "torch": torch.__version__,
        "vqa_rad_test": {"model": vqa_scores(res["answers"], test),
                         "baseline_majority_per_question_type": vqa_scores(majority, test),
                         "baseline_blank_image": vqa_scores(blank["answers"], test),
                         "baseline_other_image": vqa_scores(other["answers"], test),
                         "answers_unchanged_blank_image": baselines.answers_unchanged(res["answers"], blank["answers"], test),
                         "answers_unchanged_other_image": baselines.answers_unchanged(res["answers"], other["answers"], test),
                         "other_image_rule": "each question asked about the next test image in sorted name order",
                         "baseline_chance": baselines.vqa_chance_baselines(train, test)},
        "lung_ct_val": {"model": res["lung"], "baseline_blank_image": blank["lung"],
                        "baseline_classical": baselines.lung_baseline_report(res["lung"]["iou_per_slice"])},
        "no_lung": baselines.no_lung_report(model.cpu(), tok, arrays, meta, size),
        "captions_test_images": {"model": caption_scores(res["captions"], refs),
                                 "baseline_constant_most_frequent_train_caption":
                                     caption_scores([const_caption] * len(refs), refs),
                                 "baseline_blank_image": caption_scores(blank["captions"], refs),
                                 "n_images": len(refs)},
        "examples": [{"image": n, "reference": r, "generated": g}
                     for n, r, g in list(zip(res["test_images"], refs, res["captions"]))[:8]],
        "eval_seconds": time.time() - t0,
    }
    Linear.conv_path = False
    if not args.no_latency and dev.type == "cpu":
        out["latency_cpu"] = latency(model, tok, size, max_len)
    with open(args.out or os.path.join(folder, "eval.json"), "w") as f:
        json.dump(out, f, indent=1)
    print_table(out)


def print_table(out: dict) -> None:
    v = out["vqa_rad_test"]
    print(f"\n{'metric':34s} {'model':>8s} {'majority':>9s} {'blank img':>9s}")
    for k in ("closed", "open", "overall"):
        print(f"{'VQA-RAD test ' + k:34s} {v['model'][k]:8.3f} {v['baseline_majority_per_question_type'][k]:9.3f} "
              f"{v['baseline_blank_image'][k]:9.3f}")
    lm, lb = out["lung_ct_val"]["model"], out["lung_ct_val"]["baseline_blank_image"]
    print(f"{'lung-ct val IoU (lung)':34s} {lm['iou']:8.3f} {'-':>9s} {lb['iou']:9.3f}")
    print(f"{'lung-ct val mIoU (left/right)':34s} {lm['miou']:8.3f} {'-':>9s} {lb['miou']:9.3f}")
    c = out["captions_test_images"]
    for k, name in (("bleu4", "BLEU-4"), ("rouge_l", "ROUGE-L"), ("cider_d", "CIDEr-D")):
        print(f"{'captions ' + name:34s} {c['model'][k]:8.3f} "
              f"{c['baseline_constant_most_frequent_train_caption'][k]:9.3f} {c['baseline_blank_image'][k]:9.3f}")
    print("(caption 'majority' column = constant most frequent training caption)")
    o = v["baseline_other_image"]
    print(f"{'VQA closed / open, other image':34s} {o['closed']:8.3f} {o['open']:9.3f}   unchanged closed: blank "
          f"{v['answers_unchanged_blank_image']['closed']:.3f}, other {v['answers_unchanged_other_image']['closed']:.3f}")
    cb = out["lung_ct_val"]["baseline_classical"]
    for k in ("chosen_on_train", "issue_settings"):
        b = cb[k]
        print(f"{'classical lung ' + k:34s} IoU {b['iou']:.3f} (min {b['iou_min']:.3f}) {b['settings']}; "
              f"model wins {b['model_wins']}/{b['n']}")
    nl = out["no_lung"]
    print(f"{'no lung: empty-mask rate':34s} head images {nl['vqa_rad_head_images']['empty_mask_rate']:.3f} "
          f"(n {nl['vqa_rad_head_images']['n']}), CT below lung base "
          f"{nl['ct_series_below_lung_base']['model']['empty_mask_rate']:.3f} (n {nl['ct_series_below_lung_base']['model']['n']})")
    if "latency_cpu" in out:
        print("latency (2 threads, ms):", json.dumps({k: round(v, 1) if isinstance(v, float) else v
                                                        for k, v in out["latency_cpu"].items() if k != "note"}))


if __name__ == "__main__":
    main()
