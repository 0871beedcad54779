"""Retrieval and zero-shot classification with the folder's image_embed / text_embed heads
(issue 12 item 5), scored with metrics.py (cross-checked against core/metrics).

Retrieval over N test images, each with one text (its derived reference caption): similarity =
image_embed · text_embed (both L2-normalised, so cosine). image -> text: query image i, correct
text i; text -> image: query text i, correct image i. metrics.diagonal_ranks: rank = 1 + number of
OTHER items scoring >= the correct one (ties count against the model — identical captions of two
images tie). Recall@1/5/10 and MRR (metrics.rank_summary). Random baseline (exact expectation of
a random ranking): Recall@K = K / N, MRR = (1/N) * sum_{r=1..N} 1/r.

Zero-shot classification: each class c gets one text embedding = the mean of the L2-normalised
text embeddings of its prompt templates filled with c, renormalised (prompt ensembling, as in
CLIP); an image's class = the class with the highest cosine. Scored by accuracy and macro-F1
(metrics.accuracy / metrics.macro_f1) over the images whose reference states the slot; beside
it each template alone (no ensembling), a random classifier (uniform over the classes: accuracy
1/C exactly, macro-F1 the mean over 200 seeded draws) and the majority classifier (always the
most frequent class among the training images' reference facts).
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import torch

from metrics import accuracy, diagonal_ranks, macro_f1, rank_summary
from tokenizer import BOS, EOS, PAD, WordTokenizer

KS = (1, 5, 10)
MODALITY_CLASSES = ["ct", "mri", "x-ray", "ultrasound"]
REGION_CLASSES = ["head", "chest", "abdomen"]  # the VQA-RAD organs (image_organ)
MODALITY_TEMPLATES = ["{}.", "{} image.", "a {} image.", "a {} scan.", "{}, chest.", "{}, head.", "{}, abdomen."]
REGION_TEMPLATES = ["{}.", "an image of the {}.", "{} image.", "ct, {}.", "mri, {}.", "x-ray, {}."]
RANDOM_DRAWS = 200
RANDOM_SEED = 20261202


def text_ids(tok: WordTokenizer, texts: list[str], max_len: int) -> torch.Tensor:
    """<bos> words <eos> per text (words cut to fit max_len), right-padded with <pad>."""
    seqs = [[BOS] + tok.encode(t)[: max_len - 2] + [EOS] for t in texts]
    width = max(len(s) for s in seqs)
    return torch.tensor([s + [PAD] * (width - len(s)) for s in seqs], dtype=torch.long)


@torch.no_grad()
def embed_texts(model, tok: WordTokenizer, texts: list[str], max_len: int, batch: int = 64) -> np.ndarray:
    out = []
    for i in range(0, len(texts), batch):
        out.append(model.contrastive.embed_text(text_ids(tok, texts[i:i + batch], max_len)).numpy())
    return np.concatenate(out).astype(np.float64)


@torch.no_grad()
def embed_images(model, image_embeds: torch.Tensor) -> np.ndarray:
    return model.contrastive.embed_image(image_embeds).numpy().astype(np.float64)


def random_ranking(n: int) -> dict:
    return {"recall_at_k": {str(k): min(k, n) / n for k in KS},
            "mrr": sum(1.0 / r for r in range(1, n + 1)) / n}


def retrieval_report(image_e: np.ndarray, text_e: np.ndarray, texts: list[str]) -> dict:
    sim = image_e @ text_e.T
    n = len(texts)
    return {"n": n, "distinct_texts": len(set(texts)),
            "image_to_text": rank_summary(diagonal_ranks(sim), KS),
            "text_to_image": rank_summary(diagonal_ranks(sim.T), KS),
            "baseline_random": random_ranking(n),
            "rule": "similarity = cosine of image_embed and text_embed; rank = 1 + other items scoring >= "
                    "the correct one (ties against the model); texts = derived reference captions"}


def class_embeddings(model, tok, classes: list[str], templates: list[str], max_len: int) -> np.ndarray:
    """[C,E]: per class the mean of its templates' normalised text embeddings, renormalised."""
    rows = []
    for c in classes:
        e = embed_texts(model, tok, [t.format(c) for t in templates], max_len)
        m = e.mean(0)
        rows.append(m / max(np.linalg.norm(m), 1e-12))
    return np.stack(rows)


def classify(image_e: np.ndarray, class_e: np.ndarray, classes: list[str]) -> list[str]:
    return [classes[int(i)] for i in np.argmax(image_e @ class_e.T, 1)]


def scores(truth: list[str], pred: list[str]) -> dict:
    return {"accuracy": accuracy(truth, pred), "macro_f1": macro_f1(truth, pred)}


def zero_shot(model, tok, image_e: np.ndarray, truth: list[str | None], classes: list[str],
              templates: list[str], train_truth: list[str | None], max_len: int) -> dict:
    """Zero-shot classification of the images whose truth is known (None = unknown, skipped)."""
    keep = [i for i, t in enumerate(truth) if t is not None]
    if not keep:
        return {"n": 0}
    y = [truth[i] for i in keep]
    e = image_e[keep]
    ensembled = classify(e, class_embeddings(model, tok, classes, templates, max_len), classes)
    per_template = {t: scores(y, classify(e, class_embeddings(model, tok, classes, [t], max_len), classes))
                    for t in templates}
    rng = np.random.default_rng(RANDOM_SEED)
    draws = [macro_f1(y, [classes[j] for j in rng.integers(0, len(classes), len(y))]) for _ in range(RANDOM_DRAWS)]
    known_train = [t for t in train_truth if t is not None]
    majority = Counter(known_train).most_common(1)[0][0] if known_train else classes[0]
    return {"n": len(y), "classes": classes, "templates": templates,
            "truth_counts": dict(Counter(y)), "prediction_counts": dict(Counter(ensembled)),
            "ensembled": scores(y, ensembled), "per_template": per_template,
            "baseline_random": {"accuracy": 1.0 / len(classes), "macro_f1": float(np.mean(draws)),
                                "rule": f"uniform over the classes; macro-F1 mean of {RANDOM_DRAWS} seeded draws"},
            "baseline_majority": {"class": majority, **scores(y, [majority] * len(y))}}
