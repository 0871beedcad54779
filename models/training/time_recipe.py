"""Seconds per training step of the 0.3 recipe (train.Trainer: one stage-2 step = 4 VQA-RAD images
with their questions and captions + 6 lung slices + 2 DICOM images, masks + presence; one
stage-1 step = a contrastive batch), with the linear layers as plain matmuls (BLAS) and as 1x1
convolutions (model.Linear.conv_path), alternating A/B rounds so that load from other processes
hits both alike.
Usage: /usr/bin/python3 models/training/time_recipe.py [--rounds 2] [--steps 3] [--dims base|small]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import Linear  # noqa: E402
import contrastive as stage1  # noqa: E402
from train import Trainer, SEGMENT_PROMPTS, IMAGES_PER_STEP, LUNG_PER_STEP, DICOM_PER_STEP, CONTRASTIVE_BATCH  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--dims", choices=("base", "small"), default="base")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    args = argparse.Namespace(device="cpu", tiny=False, dims=a.dims, max_steps=0, init="none")
    tr = Trainer(args)
    opt = torch.optim.AdamW(tr.model.parameters(), lr=1e-5)
    images = tr.train_images[:IMAGES_PER_STEP]
    lungs = list(range(LUNG_PER_STEP))
    prompts = [SEGMENT_PROMPTS[j % 3] for j in range(LUNG_PER_STEP)]
    dicoms = list(range(DICOM_PER_STEP))
    by_source: dict[str, list[int]] = {}
    for k, (_, _, src) in enumerate(tr.pairs["pairs"]):
        by_source.setdefault(src, []).append(k)
    chosen = stage1.sample_pairs(random.Random(0), by_source, CONTRASTIVE_BATCH)

    def task_step():
        loss, _ = tr.step_loss(images, lungs, prompts, dicoms)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def contrastive_step():
        loss = stage1.contrastive_step_loss(tr.model, tr.tok, tr.pair_x, tr.pairs["pairs"], chosen, tr.gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    times = {f"{stage}_{path}": [] for stage in ("stage2", "stage1") for path in ("matmul", "conv_path")}
    for _ in range(a.rounds):
        for stage, fn in (("stage2", task_step), ("stage1", contrastive_step)):
            for name, flag in (("matmul", False), ("conv_path", True)):
                Linear.conv_path = flag
                fn()  # warm-up
                t = time.perf_counter()
                for _ in range(a.steps):
                    fn()
                times[f"{stage}_{name}"].append((time.perf_counter() - t) / a.steps)
                print(json.dumps({stage: name, "s_per_step": times[f"{stage}_{name}"][-1]}), flush=True)
    print(json.dumps({"seconds_per_step": times, "dims": a.dims, "params": tr.model.num_parameters(),
                      "torch": torch.__version__, "threads": a.threads,
                      "blas": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"),
                      "load_average": os.getloadavg()}))


if __name__ == "__main__":
    main()
