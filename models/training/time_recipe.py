"""Time per training step of the 0.2 recipe (train.Trainer, full dims, 2 threads) with the linear
layers as plain matmuls (BLAS) and as 1x1 convolutions (model.Linear.conv_path), alternating
A/B rounds so that load from other processes hits both alike.
Usage: /usr/bin/python3 models/training/time_recipe.py [--rounds 2] [--steps 3]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import Linear  # noqa: E402
from train import Trainer, SEGMENT_PROMPTS, IMAGES_PER_STEP, LUNG_PER_STEP  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(2)
    args = argparse.Namespace(device="cpu", tiny=False, epochs=1, max_steps=0)
    tr = Trainer(args)
    opt = torch.optim.AdamW(tr.model.parameters(), lr=1e-5)
    images = tr.train_images[:IMAGES_PER_STEP]
    lungs = list(range(LUNG_PER_STEP))
    prompts = [SEGMENT_PROMPTS[j % 3] for j in range(LUNG_PER_STEP)]

    def step():
        loss, _ = tr.step_loss(images, lungs, prompts)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    times = {"matmul": [], "conv_path": []}
    for _ in range(a.rounds):
        for name, flag in (("matmul", False), ("conv_path", True)):
            Linear.conv_path = flag
            step()  # warm-up
            t = time.perf_counter()
            for _ in range(a.steps):
                step()
            times[name].append((time.perf_counter() - t) / a.steps)
    print(json.dumps({"seconds_per_step": times, "torch": torch.__version__, "threads": 2,
                      "blas": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")}))


if __name__ == "__main__":
    main()
