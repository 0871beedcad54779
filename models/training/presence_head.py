"""Train ONLY the mask decoder's presence head of a checkpoint, everything else frozen, on the
presence examples of train.py's stage 2 (lung slices 1; VQA-RAD train CHEST 1 / HEAD, ABD 0, never
test images; DICOM chest 1 / other known body part 0), then export. An experiment after the
0.3.0 run, whose kept state predates a trained presence head (see the 0.3.0 model card):
  /usr/bin/python3 models/training/presence_head.py <checkpoint.npz> <out_folder> [--minutes 5]
The masks, captions, answers and embeddings are unchanged (frozen weights); only presence_logits move.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from types import SimpleNamespace

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import VesaliusVLM  # noqa: E402
from tokenizer import WordTokenizer, PAD  # noqa: E402
from infer import seg_prompt  # noqa: E402
from augment import normalise, random_affine, intensity_jitter  # noqa: E402
from header_facts import UNK  # noqa: E402
import train as recipe  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--batch", type=int, default=16)
    a = ap.parse_args()
    torch.set_num_threads(2)
    model, vocab, info = VesaliusVLM.load_checkpoint(a.checkpoint)
    tok = WordTokenizer(vocab)
    tr = recipe.Trainer(SimpleNamespace(device="cpu", tiny=False, dims="base", init="none", max_steps=0))
    tr.model, tr.tok, tr.dims = model, tok, model.dims
    # (image tensor row source, index, facts, label): every presence example of stage 2
    examples = [("lung", i, recipe.LUNG_FACTS, 1.0) for i in range(len(tr.lung_x))]
    examples += [("vqa", k, None, lab) for k, lab in sorted(tr.vqa_presence.items())]
    examples += [("pair", k, f, 1.0 if f["body_part"] == "chest" else 0.0) for k, _, f in tr.dicom
                 if f["body_part"] != UNK]
    for p in model.parameters():
        p.requires_grad_(False)
    head = list(model.mask.presence.parameters())
    for p in head:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(head, lr=1e-3, weight_decay=0.01)
    model.eval()  # no dropout / batch-norm: eval only fixes nothing else
    src = {"lung": tr.lung_x, "vqa": tr.vqa_x, "pair": tr.pair_x}
    t0, step, window = time.time(), 0, []
    while time.time() - t0 < a.minutes * 60:
        batch = [examples[tr.rng.randrange(len(examples))] for _ in range(a.batch)]
        x = torch.cat([src[s][i:i + 1] for s, i, _, _ in batch])
        x, _ = random_affine(x, tr.gen, 5, 0.05, 0.04)
        x = normalise(intensity_jitter(x, tr.gen))
        prompts = ["lung" if lab == 1.0 and s != "lung" else tr.random_prompt() for s, _, _, lab in batch]
        with torch.no_grad():
            emb, feat = model.encoder(x, tr.ids_of([tr.dropped(f) if f else None for _, _, f, _ in batch]))
        pids = [seg_prompt(tok, p) for p in prompts]
        width = max(len(q) for q in pids)
        pid = torch.tensor([q + [PAD] * (width - len(q)) for q in pids], dtype=torch.long)
        _, presence = model.mask(pid, emb, feat)
        labels = torch.tensor([lab for _, _, _, lab in batch])
        loss = F.binary_cross_entropy_with_logits(presence[:, 0], labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        window.append(float(loss))
        if step % 20 == 0:
            print(json.dumps({"step": step, "loss": sum(window) / len(window), "minutes": (time.time() - t0) / 60}),
                  flush=True)
            window = []
    for p in model.parameters():
        p.requires_grad_(True)
    from export import export_folder
    export_folder(model.eval(), tok, a.out, {"training": {**{k: info[k] for k in ("best", "train_minutes") if k in info},
                                                        "presence_head_only": {"steps": step, "minutes": a.minutes,
                                                                               "from": os.path.basename(a.checkpoint)}}})
    print(f"{step} steps; exported {a.out}", flush=True)


if __name__ == "__main__":
    main()
