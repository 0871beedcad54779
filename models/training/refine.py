"""Stage 3 — the mask refiner (model.MaskRefiner), trained on top of a trained model with every
other weight frozen, then the folder exported with mask_size R.

Why a separate stage: the refiner only has to learn where the lung boundary really is, given the
decoder's 160 x 160 logits and the slice at R x R. It has ~10 k weights, needs no text, and is
cheap to train on crops, so it does not need (or disturb) the multitask stage.

Each step: REFINE_BATCH lung-ct train slices at their full resolution (512), one declared prompt
each (cycled), the stage-2 augmentation at full resolution (affine rot +-10 deg, scale 0.9-1.1,
shift +-6 %, left-right flips with the labels swapped, intensity jitter), plus NEG_BATCH synthetic
"no lung" slices (augment.fill_lungs) with an empty target. From the augmented full-resolution
image come, exactly as the runtime makes them, the S x S encoder input and the R x R refiner input
(bilinear, align_corners=False, no antialias; lung-ct slices are square). The frozen encoder and
mask decoder give the S x S logits (header facts CT / axial / chest, or none, half each); the
refiner sees a random CROP x CROP window of R (convolutions only, so a crop trains the same
weights at a quarter of the cost) and the loss (BCE) is taken at the label's full resolution, the
window's logits resized there bilinearly. AdamW lr REFINE_LR, warm-up, cosine over the stage's
time. --tune-decoder (train.py's stage 3, and the shipped 0.3.0 weights) also trains the mask
decoder's convolutional path (DECODER_PATH, lr DECODER_LR) through the refiner; the prompt layers,
the image-to-prompt attention and the presence head stay frozen, so presence is exactly stage 2's.
Measured (lung-ct val IoU of "lung", mean / median, 27 slices; before = stage 2 + bilinear):
0.943 / 0.969 before; refiner alone, 20 min, 612 steps: 0.950 / 0.975 (better on 27 / 27 slices);
with --tune-decoder, 20 min, 715 steps: 0.953 / 0.978. No selection: the last state is exported; lung-ct val IoU is printed before (= plain
bilinear resizing, the refiner's zero-initialised start) and after.

Usage (stage 3 alone, on a folder that stages 1-2 exported):
  /usr/bin/python3 models/training/refine.py --init FOLDER --out DIR [--minutes 15] [--tune-decoder]
train.py runs it after stage 2 (its --refine-minutes).
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
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import ModelDims, VesaliusVLM  # noqa: E402
from augment import random_affine, intensity_jitter, normalise, fill_lungs  # noqa: E402
from header_facts import UNK, header_ids  # noqa: E402
from infer import FolderRules, encode, hires_pixels, predict_masks, seg_prompt  # noqa: E402
from metrics import slice_iou  # noqa: E402
from preprocess import hu_to_unit, fit_unit, MEAN, STD  # noqa: E402
from pairs import LUNG_FACTS  # noqa: E402
from tokenizer import PAD  # noqa: E402
import baselines  # noqa: E402
import data as datamod  # noqa: E402

SEED = 4321
MASK_SIZE = 320          # R: the refiner's (and the exported masks') resolution
REFINE_BATCH = 8         # lung-ct slices per step
NEG_BATCH = 2            # synthetic "no lung" slices per step
CROP = 160               # refiner window at R (a multiple of 5: its full-resolution extent is exact)
REFINE_LR, REFINE_WARMUP = 1e-3, 20
DECODER_LR = 1e-4        # --tune-decoder: the mask decoder's convolutional path (warm weights)
# --tune-decoder trains these too: the mask decoder's path from the prompt-aware image tokens to the
# pixel logits. Not the prompt layers, the image-to-prompt attention or the presence head, so the
# presence output (and with it every "no lung" decision) stays exactly what stage 2 made.
DECODER_PATH = ("mask.tok_proj.", "mask.skip_proj.", "mask.film.", "mask.up4.", "mask.up2.", "mask.up1.",
                "mask.classifier.")
PROMPTS = ("lung", "right lung", "left lung")
NEG_FACTS = {"modality": "ct", "plane": "axial", "body_part": UNK, "contrast": UNK}


def with_refiner(model: VesaliusVLM, mask_size: int = MASK_SIZE) -> VesaliusVLM:
    """A copy of the model's dims with mask_size set, the trained weights loaded, the refiner new."""
    dims = ModelDims.from_json({**model.dims.to_json(), "mask_size": mask_size})
    out = VesaliusVLM(dims)
    missing, unexpected = out.load_state_dict(model.state_dict(), strict=False)
    if unexpected or any(not k.startswith("mask.refiner.") for k in missing):
        raise ValueError(f"refiner set-up: unexpected {unexpected}, missing {missing}")
    return out


class RefinerData:
    """lung-ct train slices at full resolution: [0,1] images [N,1,H,W] and right/left targets [N,2,H,W]."""

    def __init__(self):
        names, hu, masks = baselines.load_lung_hu("train")
        shapes = {h.shape for h in hu}
        if len(shapes) != 1 or next(iter(shapes))[0] != next(iter(shapes))[1]:
            raise ValueError(f"lung-ct train: refiner training expects square slices of one size, got {shapes}")
        self.names = names
        self.x = torch.from_numpy(np.stack([hu_to_unit(h, 1.0, 0.0) for h in hu]))[:, None]
        labels = np.stack([datamod.lung_label_map(m.astype(np.uint8) * 255) for m in masks])
        self.y = torch.from_numpy(np.stack([labels == datamod.RIGHT_LUNG, labels == datamod.LEFT_LUNG], 1)
                                  .astype(np.float32))
        self.size = self.x.shape[-1]


def resized(x: torch.Tensor, size: int) -> torch.Tensor:
    """The runtime's resize of a square image (preprocess.fit_unit for h == w)."""
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=False)


class RefinerTrainer:
    def __init__(self, model: VesaliusVLM, tok, mask_size: int = MASK_SIZE, tune_decoder: bool = False):
        self.model = with_refiner(model, mask_size)
        self.tok = tok
        self.r = mask_size
        self.s = model.dims.image_size
        self.data = RefinerData()
        self.gen = torch.Generator().manual_seed(SEED)
        self.rng = random.Random(SEED)
        for name, p in self.model.named_parameters():
            p.requires_grad_(name.startswith("mask.refiner.") or (tune_decoder and name.startswith(DECODER_PATH)))
        self.tune_decoder = tune_decoder

    def prompt_batch(self, prompts: list[str]) -> torch.Tensor:
        seqs = [seg_prompt(self.tok, p) for p in prompts]
        width = max(len(q) for q in seqs)
        return torch.tensor([q + [PAD] * (width - len(q)) for q in seqs], dtype=torch.long)

    def batch(self, step: int):
        d = self.data
        idx = torch.randint(0, len(d.x), (REFINE_BATCH + NEG_BATCH,), generator=self.gen)
        x, y = random_affine(d.x[idx], self.gen, 10, 0.1, 0.06, d.y[idx])
        flip = torch.rand(len(idx), generator=self.gen) < 0.5
        x = torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)
        y = torch.where(flip.view(-1, 1, 1, 1), y.flip(-1).flip(1), y)  # mirrored: right lung on the right
        y = (y > 0.5).float()
        n = REFINE_BATCH
        x = torch.cat([x[:n], fill_lungs(x[n:], y[n:].amax(1, keepdim=True), self.gen)])
        x = intensity_jitter(x, self.gen)
        prompts = [PROMPTS[(step * n + k) % len(PROMPTS)] for k in range(n)]
        prompts += [self.rng.choice(PROMPTS) for _ in range(NEG_BATCH)]
        target = torch.stack([y[k].amax(0) if p == "lung" else y[k, 0 if p == "right lung" else 1]
                              for k, p in enumerate(prompts[:n])])[:, None]
        target = torch.cat([target, torch.zeros(NEG_BATCH, 1, *target.shape[-2:])])
        facts = [(LUNG_FACTS if self.rng.random() < 0.5 else None) for _ in range(n)] + [NEG_FACTS] * NEG_BATCH
        hid = torch.tensor([header_ids(f) if f else [0] * 4 for f in facts], dtype=torch.long)
        return x, target, self.prompt_batch(prompts), hid

    def step_loss(self, step: int) -> torch.Tensor:
        x, target, pids, hid = self.batch(step)
        m = self.model
        with torch.no_grad():
            emb, feat = m.encoder(normalise(resized(x, self.s)), hid)
        with torch.set_grad_enabled(self.tune_decoder):
            logits, _ = m.mask(pids, emb, feat)
            up = F.interpolate(logits, size=(self.r, self.r), mode="bilinear", align_corners=False)
        pixels = normalise(resized(x, self.r))
        # one window per step (the same for the batch): a random offset on a 5-px grid at R
        y0 = 5 * self.rng.randrange(0, (self.r - CROP) // 5 + 1)
        x0 = 5 * self.rng.randrange(0, (self.r - CROP) // 5 + 1)
        out = m.mask.refiner.refine(up[..., y0:y0 + CROP, x0:x0 + CROP], pixels[..., y0:y0 + CROP, x0:x0 + CROP])
        f = self.data.size / self.r  # full-resolution pixels per R pixel
        fy0, fx0, fc = round(y0 * f), round(x0 * f), round(CROP * f)
        full = F.interpolate(out, size=(fc, fc), mode="bilinear", align_corners=False)
        return F.binary_cross_entropy_with_logits(full, target[..., fy0:fy0 + fc, fx0:fx0 + fc])

    @torch.no_grad()
    def val_iou(self, refined: bool) -> dict:
        """lung-ct val IoU of "lung" at 512 as the app computes it (no header facts): with the refiner,
        or without it (plain bilinear resizing of the S x S logits)."""
        names, hu, masks = baselines.load_lung_hu("val")
        m = self.model
        rules = FolderRules({"image_size": self.s, "max_text_len": m.dims.max_text_len, "mask_size": self.r,
                             "mask_threshold": 0.5, "presence_threshold": 0.5}, {"fit": "pad"})
        pid = seg_prompt(self.tok, "lung")
        ious = []
        for j in range(0, len(hu), 8):
            units = [hu_to_unit(h, 1.0, 0.0) for h in hu[j:j + 8]]
            fitted = [fit_unit(u, self.s, "pad") for u in units]
            emb, feat = encode(m, (torch.cat([t for t, _ in fitted]) - MEAN) / STD)
            if refined:
                pm, _, _ = predict_masks(m, rules, pid, emb, feat, units[0].shape, None, hires_pixels(rules, units))
            else:
                refiner, m.mask.refiner = m.mask.refiner, None
                try:
                    pm, _, _ = predict_masks(m, rules, pid, emb, feat, units[0].shape, fitted[0][1])
                finally:
                    m.mask.refiner = refiner
            ious += [slice_iou(pm[k], mask) for k, mask in enumerate(masks[j:j + 8])]
        return {"iou": float(np.mean(ious)), "iou_median": float(np.median(ious)), "iou_min": float(np.min(ious)),
                "per_slice": dict(zip(names, [round(v, 4) for v in ious]))}

    def run(self, minutes: float, max_steps: int = 0) -> dict:
        m = self.model
        m.eval()  # no dropout / batch-norm anywhere; the frozen parts stay as they are
        before = self.val_iou(refined=False)
        print(json.dumps({"stage": 3, "val_before": {k: v for k, v in before.items() if k != "per_slice"}}), flush=True)
        params = [p for p in m.parameters() if p.requires_grad]
        refiner = [p for n, p in m.named_parameters() if p.requires_grad and n.startswith("mask.refiner.")]
        decoder = [p for n, p in m.named_parameters() if p.requires_grad and not n.startswith("mask.refiner.")]
        opt = torch.optim.AdamW([{"params": refiner, "base_lr": REFINE_LR},
                                 {"params": decoder, "base_lr": DECODER_LR}], lr=REFINE_LR, weight_decay=0.01)
        t0, seconds = time.time(), max(1.0, minutes * 60)
        step, window, log = 0, [], []
        while True:
            progress = (step / max_steps) if max_steps else (time.time() - t0) / seconds
            if progress >= 1.0:
                break
            factor = min(1.0, (step + 1) / REFINE_WARMUP) * 0.5 * (1 + math.cos(math.pi * progress))
            for g in opt.param_groups:
                g["lr"] = g["base_lr"] * factor
            lr = REFINE_LR * factor
            loss = self.step_loss(step)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            window.append(float(loss))
            step += 1
            if step % 25 == 0:
                entry = {"stage": 3, "step": step, "loss": float(np.mean(window)), "lr": lr,
                         "minutes": (time.time() - t0) / 60}
                log.append(entry)
                print(json.dumps(entry), flush=True)
                window = []
        after = self.val_iou(refined=True)
        out = {"steps": step, "minutes": (time.time() - t0) / 60, "mask_size": self.r, "crop": CROP,
               "tune_decoder": self.tune_decoder,
               "val_before": before, "val_after": after, "log": log}
        print(json.dumps({"stage": 3, "done": step, "val_iou_before": before["iou"], "val_iou_after": after["iou"],
                          "median_before": before["iou_median"], "median_after": after["iou_median"]}), flush=True)
        return out


def main():
    ap = argparse.ArgumentParser(description="Vesalius VLM stage 3: the mask refiner on top of a model folder")
    ap.add_argument("--init", required=True, help="model folder exported by stages 1-2 (weights from its ONNX files)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tune-decoder", action="store_true",
                    help="also train the mask decoder's convolutional path (DECODER_PATH; presence untouched)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    from export import export_folder, load_onnx_weights, model_config
    base, tok = load_onnx_weights(args.init)
    trainer = RefinerTrainer(base, tok, tune_decoder=args.tune_decoder)
    info = trainer.run(args.minutes, args.max_steps)
    with open(os.path.join(args.init, "config.json")) as f:
        init_cfg = json.load(f)
    # what the init folder's config.json has beyond the exported layout (training record, the
    # calibrated answer_uncertain_below) is carried over: stage 3 changes no answer
    made = model_config(base.dims, 1, None, 1.0)
    extra = {k: v for k, v in init_cfg.items() if k not in made}
    training = dict(extra.get("training", {}))
    training["stage3_refiner"] = {k: v for k, v in info.items() if k != "log"}
    training["stage3_refiner"]["log_tail"] = info["log"][-3:]
    extra["training"] = training
    export_folder(trainer.model.eval(), tok, os.path.normpath(args.out), extra)
    print(f"exported {os.path.normpath(args.out)}", flush=True)


if __name__ == "__main__":
    main()
