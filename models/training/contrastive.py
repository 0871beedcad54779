"""Contrastive stage (issue 12 item 1): the image encoder and a text encoder trained with the
CLIP objective (symmetric InfoNCE, learnable temperature; model.info_nce) on the pairs of
pairs.py, before captions / VQA / masks are fine-tuned on top (next stage).

  /usr/bin/python3 models/training/contrastive.py --minutes 8 [--dims small|full] [--size 80] [--batch 32]

Every step: BATCH pairs drawn with fixed source shares (SOURCE_SHARE; within a source
uniformly), each image augmented (train.random_affine: rot +-5 deg, scale 0.95-1.05, shift
+-4 %; train.intensity_jitter); positives = same image OR same text (model.info_nce). AdamW
(lr 5e-4, wd 0.05; no weight decay on the temperature), 50 warm-up steps, then constant.
Held-out check every EVAL_EVERY steps and at the end: text -> image and image -> text
Recall@1/5/10 and MRR over the 203 VQA-RAD test images with their derived captions (never
trained on), ranks by metrics.diagonal_ranks (ties count against the model), random baseline
K/N. Writes .work/contrastive.npz (a VesaliusVLM checkpoint: the decoders stay at their init)
and the log as JSON (--log).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import data as datamod  # noqa: E402
import pairs as pairsmod  # noqa: E402
from metrics import diagonal_ranks, rank_summary  # noqa: E402
from model import Linear, ModelDims, VesaliusVLM, info_nce  # noqa: E402
from tokenizer import WordTokenizer, BOS, EOS, PAD  # noqa: E402
from augment import random_affine, intensity_jitter, normalise, set_seed  # noqa: E402

SIZE = datamod.TRAIN_SIZE

SEED = 4321
BATCH = 48
LR, WARMUP = 5e-4, 50
EVAL_EVERY = 40
SOURCE_SHARE = {"vqa_caption": 0.3, "vqa_qa": 0.3, "lung_ct": 0.2, "dicom": 0.2}


def dims_for(kind: str, vocab: int, size: int) -> ModelDims:
    if kind == "full":  # the 0.2 encoder with 256-d embeddings
        return ModelDims(image_size=size, vocab_size=vocab, embed_dim=256, text_encoder_layers=2)
    # small: what a <= 10 min run on a shared 2-core CPU can move
    return ModelDims(image_size=size, hidden_size=128, num_heads=4, encoder_layers=2, decoder_layers=1,
                     mask_layers=1, stem_channels=(16, 32, 64), pixel_feature_channels=16,
                     mask_channels=(16, 16, 8), vocab_size=vocab, mlp_ratio=2, embed_dim=128,
                     text_encoder_layers=2)


def text_ids(tok: WordTokenizer, texts: list[str], max_len: int) -> torch.Tensor:
    seqs = [([BOS] + tok.encode(t))[: max_len - 1] + [EOS] for t in texts]
    width = max(len(s) for s in seqs)
    return torch.tensor([s + [PAD] * (width - len(s)) for s in seqs], dtype=torch.long)


def sample_pairs(rng: random.Random, by_source: dict[str, list[int]], batch: int) -> list[int]:
    """BATCH pair indices: a source by SOURCE_SHARE, then a pair of it uniformly."""
    shares = [(s, w) for s, w in SOURCE_SHARE.items() if by_source.get(s)]
    chosen = []
    for _ in range(batch):
        src = rng.choices([s for s, _ in shares], [w for _, w in shares])[0]
        chosen.append(rng.choice(by_source[src]))
    return chosen


def pairs_loss(model, tok, image_embeds: torch.Tensor, image_ids: list[int], texts: list[str]) -> torch.Tensor:
    """InfoNCE of encoded images [B,T,D] against their texts; positives: same image or same text."""
    img = torch.tensor(image_ids)
    tid = {t: i for i, t in enumerate(sorted(set(texts)))}
    txt = torch.tensor([tid[t] for t in texts])
    positive = ((img[:, None] == img[None, :]) | (txt[:, None] == txt[None, :])).to(image_embeds.device)
    ie = model.contrastive.embed_image(image_embeds)
    te = model.contrastive.embed_text(text_ids(tok, texts, model.dims.max_text_len).to(image_embeds.device))
    return info_nce(ie, te, model.contrastive.scale(), positive)


def contrastive_step_loss(model, tok, images: torch.Tensor, pairs: list, chosen: list[int],
                          gen: torch.Generator) -> torch.Tensor:
    """One stage-1 step: the chosen pairs' images augmented, encoded (no header facts: the
    embedding is the image's own) and contrasted with their texts."""
    img = [pairs[k][0] for k in chosen]
    x, _ = random_affine(images[img], gen, 5, 0.05, 0.04)
    x = normalise(intensity_jitter(x, gen))
    emb, _ = model.encoder(x)
    return pairs_loss(model, tok, emb, img, [pairs[k][1] for k in chosen])


@torch.no_grad()
def held_out_retrieval(model, tok, images: torch.Tensor, held: list) -> dict:
    model.eval()
    idx = [i for i, _ in held]
    texts = [t for _, t in held]
    ie = []
    for i in range(0, len(idx), 32):
        emb, _ = model.encoder(normalise(images[idx[i:i + 32]]))
        ie.append(model.contrastive.embed_image(emb))
    ie = torch.cat(ie)
    te = model.contrastive.embed_text(text_ids(tok, texts, model.dims.max_text_len))
    sim = (te @ ie.t()).double().numpy()  # rows: text queries
    model.train()
    n = len(idx)
    return {"text_to_image": rank_summary(diagonal_ranks(sim)), "image_to_text": rank_summary(diagonal_ranks(sim.T)),
            "n": n, "random_recall_at_k": {str(k): k / n for k in (1, 5, 10)},
            "random_mrr": sum(1 / r for r in range(1, n + 1)) / n}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=8.0, help="wall-clock budget of the training loop")
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--dims", choices=("small", "full"), default="small")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--size", type=int, default=SIZE,
                    help="image size (multiple of 16); below 160 the cached 160 px images are area-resized once")
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--checkpoint", default=os.path.join(HERE, ".work", "contrastive.npz"))
    ap.add_argument("--log", default=os.path.join(HERE, ".work", "contrastive-log.json"))
    ap.add_argument("--conv-path", action="store_true", help="linear layers as 1x1 convolutions (model.Linear)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    Linear.conv_path = args.conv_path
    set_seed(SEED)
    arrays, meta = datamod.load_cache(datamod.build_cache(SIZE))
    p = pairsmod.build_pairs(SIZE, arrays, meta)
    pairs, held = p["pairs"], p["held_out"]
    images = torch.from_numpy(p["images"].astype(np.float32))[:, None]
    if args.size != SIZE:
        images = torch.nn.functional.interpolate(images, size=(args.size, args.size), mode="area")
    tok = WordTokenizer.build([t for _, t, _ in pairs])
    dims = dims_for(args.dims, len(tok.vocab), args.size)
    model = VesaliusVLM(dims)
    params = list(model.encoder.parameters()) + [q for n, q in model.contrastive.named_parameters() if n != "logit_scale"]
    opt = torch.optim.AdamW([{"params": params, "weight_decay": 0.05},
                             {"params": [model.contrastive.logit_scale], "weight_decay": 0.0}],
                            lr=LR, betas=(0.9, 0.98))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / WARMUP))
    by_source: dict[str, list[int]] = {}
    for k, (_, _, src) in enumerate(pairs):
        by_source.setdefault(src, []).append(k)
    rng = random.Random(SEED)
    gen = torch.Generator().manual_seed(SEED)
    counts = pairsmod.source_counts(pairs)
    print(f"pairs {json.dumps(counts)}; held-out {len(held)}; vocab {len(tok.vocab)}; "
          f"params encoder+contrastive {sum(q.numel() for q in params) + 1:,}", flush=True)
    log = {"sources": counts, "dicom_skipped": p["dicom_skipped"], "dims": dims.to_json(), "batch": args.batch, "size": args.size,
           "threads": args.threads, "conv_path": args.conv_path, "steps": [], "held_out": []}
    log["held_out"].append({"step": 0, **held_out_retrieval(model, tok, images, held)})
    t0 = time.time()
    step, window = 0, []
    model.train()
    while True:
        chosen = sample_pairs(rng, by_source, args.batch)
        loss = contrastive_step_loss(model, tok, images, pairs, chosen, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        step += 1
        window.append(float(loss))
        done = (time.time() - t0) / 60 >= args.minutes or (args.max_steps and step >= args.max_steps)
        if step % 10 == 0 or done:
            entry = {"step": step, "loss": float(np.mean(window)), "temperature": float(1 / model.contrastive.scale()),
                     "minutes": (time.time() - t0) / 60}
            log["steps"].append(entry)
            print(json.dumps(entry), flush=True)
            window = []
        if step % EVAL_EVERY == 0 or done:
            r = held_out_retrieval(model, tok, images, held)
            log["held_out"].append({"step": step, **r})
            print(json.dumps({"step": step, "t2i": r["text_to_image"], "i2t": r["image_to_text"]}), flush=True)
        if done:
            break
    log["train_minutes"] = (time.time() - t0) / 60
    log["seconds_per_step"] = log["train_minutes"] * 60 / step
    os.makedirs(os.path.dirname(os.path.abspath(args.checkpoint)), exist_ok=True)
    model.save_checkpoint(args.checkpoint, tok.vocab, {"stage": "contrastive", "steps": step})
    with open(args.log, "w") as f:
        json.dump(log, f, indent=1)
    print(f"{step} steps in {log['train_minutes']:.1f} min ({log['seconds_per_step']:.2f} s/step); "
          f"checkpoint {args.checkpoint}", flush=True)


if __name__ == "__main__":
    main()
