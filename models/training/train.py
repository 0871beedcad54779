"""Train the Vesalius VLM (caption + VQA + lung segmentation) and export the model folder.

One command, on a 2-core CPU in under an hour: /usr/bin/python3 models/training/train.py
(npm run model:train). Options: --epochs N (default 24, the cosine schedule's length),
--out DIR (default models/vesalius-vlm-<export.VERSION>), --checkpoint PATH (default
models/training/.work/checkpoint.npz), --no-export, --max-steps N and --tiny (smoke tests),
--device cuda (exploration only: the shipped weights come from the CPU run).

Why it fits a 2-core CPU (0.1.0 needed an H100; the same recipe here would take ~8 h):
  * linear layers run as 1x1 convolutions while training on CPU (model.Linear): Debian's torch
    has a generic BLAS (~4 GFLOP/s) but MKL-DNN convolutions (~25 GFLOP/s); same parameters,
    same function, plain MatMul in the exported graphs;
  * images at 160 x 160 (10 x 10 patch tokens) instead of 224: the resolution ceiling for lung
    IoU at 512 (ground truth resized to S and back) is 0.987 at 160, 0.992 at 224;
  * image-grouped VQA batches: a step takes 4 VQA-RAD images with ALL their training questions
    (up to 16, a fresh random subset when there are more) and the image's caption; each image
    is encoded once and its cross-attention keys/values are computed once and shared by its
    questions (0.1.0 encoded an image once per question: 9x the encoder work);
  * one segmentation prompt per lung slice visit, cycled over "lung", "left lung", "right lung".

Recipe (all seeds fixed; torch CPU kernels are deterministic at a fixed thread count, 2 here):
  * data: data.py cache (S=160). Lung-ct train (187 slices); VQA-RAD train minus a 10 %
    question-level validation split; captions derived from QA pairs (captions.py) for images
    NOT in testset.json only.
  * every step: 4 VQA-RAD images (their questions + caption) and 6 lung slices; loss = mask
    (BCE + soft Dice) + VQA (token CE, closed yes/no answers weighted to balance the two
    classes) + 0.5 caption (token CE).
  * augmentation: random affine (lung: rot +-10 deg, scale 0.9-1.1, shift +-6 %; VQA/caption:
    rot +-5 deg, scale 0.95-1.05, shift +-4 %), intensity jitter (contrast 0.9-1.1, offset +-0.05
    on the [0,1] scale); lung slices are also flipped left-right with the left/right labels
    swapped; VQA images are never flipped (questions talk about left and right).
  * AdamW (lr 3e-4, wd 0.05, betas 0.9/0.98), 120 warm-up steps, cosine decay over all epochs;
    grad-norm clip 1.0.
  * early stopping: every 2 epochs from the first third on, score = mean(lung IoU, left/right
    mIoU) on lung-ct val (at 512, as the runtime does) + VQA accuracy on the validation
    questions; the best state is kept; stop after 4 validations without improvement.
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
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

from model import Linear, ModelDims, VesaliusVLM  # noqa: E402
from tokenizer import WordTokenizer, BOS, EOS, PAD, CAPTION, VQA, SEP  # noqa: E402
from captions import captions_by_image, normalise_answer  # noqa: E402
from preprocess import MEAN, STD  # noqa: E402
from infer import greedy_generate, vqa_prefix, seg_prompt, mask_probs  # noqa: E402
from metrics import iou  # noqa: E402
import data as datamod  # noqa: E402
from export import VERSION  # noqa: E402

SEED = 1234
SIZE = 160
IMAGES_PER_STEP = 4      # VQA-RAD images per step, each with all its training questions ...
MAX_QA_PER_IMAGE = 16    # ... up to this many (a fresh random subset when an image has more)
LUNG_PER_STEP = 6        # lung-ct slices per step, one prompt each
LR, WARMUP = 3e-4, 120
VALIDATE_EVERY = 2       # epochs
EPOCHS = 24
PATIENCE = 4             # validations without improvement before stopping
SEGMENT_PROMPTS = ["lung", "left lung", "right lung"]


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)


def full_dims(vocab_size: int) -> ModelDims:
    return ModelDims(image_size=SIZE, vocab_size=vocab_size)


def tiny_dims(vocab_size: int) -> ModelDims:
    return ModelDims(image_size=SIZE, hidden_size=32, num_heads=2, encoder_layers=1, decoder_layers=1,
                     mask_layers=1, stem_channels=(8, 8, 16), pixel_feature_channels=8,
                     mask_channels=(8, 8, 8), vocab_size=vocab_size, mlp_ratio=2)


def random_affine(x: torch.Tensor, gen: torch.Generator, rot: float, scale: float, shift: float,
                  extra: torch.Tensor | None = None):
    """Same random affine for x [B,C,H,W] and extra (targets); bilinear, zero padding."""
    b = x.shape[0]
    r = lambda: torch.rand(b, generator=gen) * 2 - 1  # noqa: E731
    ang = r() * math.radians(rot)
    sc = 1 + r() * scale
    tx, ty = r() * shift * 2, r() * shift * 2
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1).to(x.device)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    # padding: the unit-range image's own minimum (0 = air / black)
    xo = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    eo = None
    if extra is not None:
        eo = F.grid_sample(extra, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return xo, eo


def intensity_jitter(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    b = x.shape[0]
    c = (1 + (torch.rand(b, generator=gen) * 2 - 1) * 0.1).to(x.device).view(b, 1, 1, 1)
    o = ((torch.rand(b, generator=gen) * 2 - 1) * 0.05).to(x.device).view(b, 1, 1, 1)
    return (x * c + o).clamp(0, 1)


def normalise(unit: torch.Tensor) -> torch.Tensor:
    return (unit - MEAN) / STD


def pad_batch(seqs: list[list[int]], targets: list[list[int]], device) -> tuple[torch.Tensor, torch.Tensor]:
    t = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), t), PAD, dtype=torch.long)
    tg = torch.full((len(seqs), t), -100, dtype=torch.long)
    for i, (s, g) in enumerate(zip(seqs, targets)):
        ids[i, :len(s)] = torch.tensor(s)
        tg[i, :len(g)] = torch.tensor(g)
    return ids.to(device), tg.to(device)


def text_example(prefix: list[int], answer: list[int], max_len: int) -> tuple[list[int], list[int]]:
    """input = prefix + answer + <eos>; loss on answer tokens and <eos> (shifted targets)."""
    seq = (prefix + answer + [EOS])[:max_len]
    tgt = [-100] * (len(prefix) - 1) + answer + [EOS]
    tgt = tgt[: len(seq)]
    return seq, tgt


def seg_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    inter = (p * target).sum((1, 2, 3))
    dice = 1 - (2 * inter + 1) / (p.sum((1, 2, 3)) + target.sum((1, 2, 3)) + 1)
    return bce + dice.mean()


class Trainer:
    def __init__(self, args):
        self.args = args
        self.device = torch.device(args.device)
        cache = datamod.build_cache(SIZE)
        arrays, meta = datamod.load_cache(cache)
        dev = self.device
        self.lung_x = torch.from_numpy(arrays["lung_train_images"].astype(np.float32))[:, None].to(dev)
        self.lung_y = torch.from_numpy(arrays["lung_train_targets"].astype(np.float32) / 255.0).to(dev)
        self.val_x = torch.from_numpy(arrays["lung_val_images"].astype(np.float32))[:, None].to(dev)
        self.val_labels = arrays["lung_val_labels_full"]
        self.vqa_x = torch.from_numpy(arrays["vqa_images"].astype(np.float32))[:, None].to(dev)
        self.img_index = {n: i for i, n in enumerate(meta["vqa_names"])}
        train_rows = meta["vqa_train"]
        test_images = {r["image_name"] for r in meta["vqa_test"]}
        self.vqa_train = [r for r in train_rows if r["split"] == "train"]
        self.vqa_val = [r for r in train_rows if r["split"] == "val"]
        # captions: derived from train QA for images never seen in the test set
        caps = captions_by_image([r for r in train_rows if r["image_name"] not in test_images])
        self.captions = sorted(caps.items())
        texts = [r["question"] for r in train_rows] + [normalise_answer(str(r["answer"])) for r in train_rows]
        texts += [c for _, c in self.captions] + SEGMENT_PROMPTS
        self.tok = WordTokenizer.build(texts)
        dims = (tiny_dims if args.tiny else full_dims)(len(self.tok.vocab))
        set_seed(SEED)
        self.model = VesaliusVLM(dims)
        with torch.no_grad():  # small embedding init: the output projection is tied to it
            for emb in (self.model.text.embed, self.model.mask.embed):
                emb.weight.normal_(0.0, 0.02)
        self.model = self.model.to(dev)
        self.dims = dims
        closed = [r for r in self.vqa_train if r["answer_type"].strip().upper() == "CLOSED"
                  and normalise_answer(str(r["answer"])) in ("yes", "no")]
        n_yes = sum(normalise_answer(str(r["answer"])) == "yes" for r in closed)
        n_no = len(closed) - n_yes
        self.class_weight = {"yes": len(closed) / (2 * max(n_yes, 1)), "no": len(closed) / (2 * max(n_no, 1))}
        # image-grouped batches: each step takes whole images with all their training questions
        self.qa_by_image: dict[int, list[dict]] = {}
        for r in self.vqa_train:
            self.qa_by_image.setdefault(self.img_index[r["image_name"]], []).append(r)
        self.caption_of = {self.img_index[n]: c for n, c in self.captions}
        self.train_images = sorted(set(self.qa_by_image) | set(self.caption_of))
        self.gen = torch.Generator().manual_seed(SEED)
        self.rng = random.Random(SEED)
        print(f"data: lung train {len(self.lung_x)} val {len(self.val_x)}; VQA train {len(self.vqa_train)} "
              f"val {len(self.vqa_val)} on {len(self.train_images)} images; caption images {len(self.captions)} (test images excluded: "
              f"{len(test_images)}); vocab {len(self.tok.vocab)}; params {self.model.num_parameters():,}; "
              f"closed yes/no weights {self.class_weight}", flush=True)

    # ---- batches ----
    def lung_batch(self, idx):
        x = self.lung_x[idx]
        y = self.lung_y[idx]  # [B,2,S,S]: channel 0 right lung, 1 left lung
        x, y = random_affine(x, self.gen, 10, 0.1, 0.06, y)
        flip = torch.rand(len(idx), generator=self.gen) < 0.5
        if flip.any():
            f = flip.to(self.device)
            x = torch.where(f.view(-1, 1, 1, 1), x.flip(-1), x)
            # a mirrored slice shows the right lung on the image-right side: swap the labels
            y = torch.where(f.view(-1, 1, 1, 1), y.flip(-1).flip(1), y)
        x = normalise(intensity_jitter(x, self.gen))
        return x, y

    def text_loss(self, cache, rows_of_image, ids, tg, weights=None):
        """Token CE; `cache` holds each image's cross-attention keys/values once, gathered per
        sequence (an image with 9 questions is encoded and projected once, not 9 times)."""
        idx = torch.tensor(rows_of_image, dtype=torch.long, device=self.device)
        gathered = [(k.index_select(0, idx), v.index_select(0, idx)) for k, v in cache]
        logits = self.model.text(ids, None, gathered)
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tg.reshape(-1), ignore_index=-100,
                             reduction="none").view(tg.shape)
        mask = (tg != -100).float()
        per = (ce * mask).sum(1) / mask.sum(1).clamp(min=1)
        if weights is not None:
            return (per * weights).sum() / weights.sum()
        return per.mean()

    def image_questions(self, image_idx: int) -> list[dict]:
        """The image's training questions; at most MAX_QA_PER_IMAGE, a fresh random subset each visit."""
        rows = self.qa_by_image.get(image_idx, [])
        if len(rows) > MAX_QA_PER_IMAGE:
            rows = self.rng.sample(rows, MAX_QA_PER_IMAGE)
        return rows

    def step_loss(self, image_idx: list[int], lung_idx: list[int], lung_prompts: list[str]):
        m = self.model
        xv = self.vqa_x[image_idx]
        xv, _ = random_affine(xv, self.gen, 5, 0.05, 0.04)
        xv = normalise(intensity_jitter(xv, self.gen))
        xl, yl = self.lung_batch(lung_idx)
        nv = len(xv)
        emb, feat = m.encoder(torch.cat([xv, xl]))
        cache = m.text.image_cache(emb[:nv])
        # VQA: every training question of the batch's images
        seqs, tgts, w, owner = [], [], [], []
        for row, k in enumerate(image_idx):
            for r in self.image_questions(k):
                ans = normalise_answer(str(r["answer"]))
                s, t = text_example(vqa_prefix(self.tok, r["question"], self.dims.max_text_len),
                                    self.tok.encode(ans), self.dims.max_text_len)
                seqs.append(s)
                tgts.append(t)
                closed = r["answer_type"].strip().upper() == "CLOSED"
                w.append(self.class_weight.get(ans, 1.0) if closed else 1.0)
                owner.append(row)
        l_vqa = torch.zeros((), device=self.device)
        if seqs:
            ids, tg = pad_batch(seqs, tgts, self.device)
            l_vqa = self.text_loss(cache, owner, ids, tg, torch.tensor(w, device=self.device))
        # captions of the batch's images that have one (never a test image)
        cap_rows = [row for row, k in enumerate(image_idx) if k in self.caption_of]
        l_cap = torch.zeros((), device=self.device)
        if cap_rows:
            seqs, tgts = zip(*[text_example([BOS, CAPTION], self.tok.encode(self.caption_of[image_idx[row]]),
                                            self.dims.max_text_len) for row in cap_rows])
            ids, tg = pad_batch(list(seqs), list(tgts), self.device)
            l_cap = self.text_loss(cache, cap_rows, ids, tg)
        # masks: one prompt per slice visit (cycled, so every prompt is seen as often)
        targets = {"lung": (yl[:, 0:1] + yl[:, 1:2]).clamp(max=1), "left lung": yl[:, 1:2],
                   "right lung": yl[:, 0:1]}
        pids = [seg_prompt(self.tok, p) for p in lung_prompts]
        width = max(len(p) for p in pids)
        pid = torch.tensor([p + [PAD] * (width - len(p)) for p in pids], dtype=torch.long, device=self.device)
        target = torch.cat([targets[p][j:j + 1] for j, p in enumerate(lung_prompts)])
        l_mask = seg_loss(m.mask(pid, emb[nv:], feat[nv:]), target)
        return l_mask + l_vqa + 0.5 * l_cap, (float(l_mask), float(l_vqa), float(l_cap))

    # ---- validation ----
    @torch.no_grad()
    def validate(self):
        m = self.model.eval()
        ious, mious = [], []
        for i in range(0, len(self.val_x), 8):
            x = normalise(self.val_x[i:i + 8])
            emb, feat = m.encoder(x)
            full = self.val_labels[i:i + 8]
            size = full.shape[1:]
            probs = {p: mask_probs(m, seg_prompt(self.tok, p), emb, feat, size).cpu().numpy()
                     for p in SEGMENT_PROMPTS}
            for j in range(len(full)):
                ious.append(iou(probs["lung"][j] > 0.5, full[j] > 0))
                mious.append((iou(probs["right lung"][j] > 0.5, full[j] == 1)
                              + iou(probs["left lung"][j] > 0.5, full[j] == 2)) / 2)
        correct = {"CLOSED": [], "OPEN": []}
        for i in range(0, len(self.vqa_val), 64):
            rows = self.vqa_val[i:i + 64]
            idx = [self.img_index[r["image_name"]] for r in rows]
            emb, _ = m.encoder(normalise(self.vqa_x[idx]))
            gens = greedy_generate(m, emb, [vqa_prefix(self.tok, r["question"], self.dims.max_text_len)
                                            for r in rows], 8, self.dims.max_text_len)
            for r, g in zip(rows, gens):
                ok = normalise_answer(self.tok.decode(g)) == normalise_answer(str(r["answer"]))
                correct[r["answer_type"].strip().upper()].append(ok)
        m.train()
        acc_c = float(np.mean(correct["CLOSED"])) if correct["CLOSED"] else 0.0
        acc_o = float(np.mean(correct["OPEN"])) if correct["OPEN"] else 0.0
        acc = float(np.mean(correct["CLOSED"] + correct["OPEN"]))
        return {"lung_iou": float(np.mean(ious)), "lung_miou": float(np.mean(mious)),
                "vqa_closed": acc_c, "vqa_open": acc_o, "vqa_acc": acc}

    def run(self):
        a = self.args
        bi, bl = IMAGES_PER_STEP, LUNG_PER_STEP
        steps_per_epoch = math.ceil(len(self.train_images) / bi)
        total = steps_per_epoch * a.epochs
        opt = torch.optim.AdamW(self.model.parameters(), lr=LR, weight_decay=0.05, betas=(0.9, 0.98))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / WARMUP) * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
        best, best_state, best_metrics, bad = -1.0, None, None, 0
        log = []
        t0 = time.time()
        lung_order: list[int] = []
        prompt_cycle = 0
        step = 0
        for epoch in range(a.epochs):
            self.model.train()
            order = list(self.train_images)
            self.rng.shuffle(order)
            sums = np.zeros(3)
            for s in range(steps_per_epoch):
                images = order[s * bi:(s + 1) * bi]
                if len(lung_order) < bl:
                    perm = list(range(len(self.lung_x)))
                    self.rng.shuffle(perm)
                    lung_order += perm
                lidx, lung_order = lung_order[:bl], lung_order[bl:]
                prompts = [SEGMENT_PROMPTS[(prompt_cycle + j) % len(SEGMENT_PROMPTS)] for j in range(bl)]
                prompt_cycle += 1
                loss, parts = self.step_loss(images, lidx, prompts)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                opt.step()
                sched.step()
                sums += parts
                step += 1
                if a.max_steps and step >= a.max_steps:
                    break
            msg = {"epoch": epoch + 1, "loss_mask": sums[0] / (s + 1), "loss_vqa": sums[1] / (s + 1),
                   "loss_caption": sums[2] / (s + 1), "minutes": (time.time() - t0) / 60}
            last = epoch + 1 == a.epochs or bool(a.max_steps and step >= a.max_steps)
            if ((epoch + 1) % VALIDATE_EVERY == 0 and epoch + 1 >= a.epochs // 3) or last:
                v = self.validate()
                msg.update(v)
                score = (v["lung_iou"] + v["lung_miou"]) / 2 + v["vqa_acc"]
                msg["score"] = score
                if score > best:
                    best, bad, best_metrics = score, 0, dict(msg)
                    best_state = {k: t.detach().cpu().clone() for k, t in self.model.state_dict().items()}
                else:
                    bad += 1
            log.append(msg)
            print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in msg.items()}), flush=True)
            if bad >= PATIENCE or (a.max_steps and step >= a.max_steps):
                print(f"early stop after epoch {epoch + 1}: {bad} validations without improvement"
                      if bad >= PATIENCE else "stopping (--max-steps)", flush=True)
                break
        minutes = (time.time() - t0) / 60
        self.model.load_state_dict(best_state)
        return {"log": log, "best": best_metrics, "train_minutes": minutes, "device": str(self.device),
                "device_name": torch.cuda.get_device_name(0) if self.device.type == "cuda" else "cpu",
                "torch": torch.__version__, "threads": torch.get_num_threads(), "steps": step}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu", help="cpu (the shipped recipe) or cuda (exploration only)")
    ap.add_argument("--epochs", type=int, default=EPOCHS, help="epochs (cosine schedule length)")
    ap.add_argument("--max-steps", type=int, default=0, help="smoke test: stop after N steps")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "..", f"vesalius-vlm-{VERSION}"))
    ap.add_argument("--checkpoint", default=os.path.join(HERE, ".work", "checkpoint.npz"))
    ap.add_argument("--no-export", action="store_true")
    args = ap.parse_args()
    if args.device == "cpu":
        # the recipe's numbers assume 2 threads (this machine); more threads only change speed
        torch.set_num_threads(2)
        Linear.conv_path = True  # MKL-DNN instead of the generic BLAS: ~5x faster (see model.Linear)
    t_start = time.time()
    trainer = Trainer(args)
    info = trainer.run()
    info["total_minutes"] = (time.time() - t_start) / 60
    Linear.conv_path = False
    os.makedirs(os.path.dirname(os.path.abspath(args.checkpoint)), exist_ok=True)
    trainer.model.save_checkpoint(args.checkpoint, trainer.tok.vocab, info)
    print(f"best: {json.dumps(info['best'])}; trained {info['train_minutes']:.1f} min "
          f"({info['total_minutes']:.1f} min with data loading) on {info['device_name']}", flush=True)
    if not args.no_export:
        from export import export_folder
        model = trainer.model.cpu().eval()
        export_folder(model, trainer.tok, os.path.normpath(args.out),
                      {"training": {k: info[k] for k in ("best", "train_minutes", "total_minutes", "steps",
                                                         "device_name", "threads", "torch")}})
        print(f"exported {os.path.normpath(args.out)}; whole command {(time.time() - t_start) / 60:.1f} min")


if __name__ == "__main__":
    main()
