"""Train the Vesalius VLM (caption + VQA + lung segmentation) and export the model folder.

One command: /usr/bin/python3 models/training/train.py   (npm run model:train)
Options: --device cpu|cuda (default: cuda if available), --epochs N (cosine schedule length,
         default 28), --stop-epoch N (default 19: the shipped run, on an H100, was stopped by its
         5.2-minute budget after epoch 19 of 28; this reproduces that cut without a clock),
         --max-minutes M (optional wall-clock budget),
         --out DIR (default models/vesalius-vlm-0.1.0), --no-export, --tiny (smoke test dims),
         --checkpoint PATH (default models/training/.work/checkpoint.npz).

Recipe (all seeds fixed; deterministic algorithms requested, warn-only where a CUDA kernel has no
deterministic version, e.g. bilinear-upsample backward):
  * data: data.py cache (S=224). Lung-ct train (187 slices) for masks with three prompts per
    image ("lung", "left lung", "right lung"); VQA-RAD train minus a 10 % question-level
    validation split; captions derived from QA pairs (captions.py) for images NOT in
    testset.json only.
  * every step: one VQA batch (32 QA), one lung batch (8 slices x 3 prompts), one caption batch
    (8 images); loss = mask (BCE + soft Dice) + VQA (token CE, closed yes/no answers weighted to
    balance the two classes) + 0.5 caption (token CE).
  * augmentation: random affine (lung: rot +-10 deg, scale 0.9-1.1, shift +-6 %; VQA/caption:
    rot +-5 deg, scale 0.95-1.05, shift +-4 %), intensity jitter (contrast 0.9-1.1, offset +-0.05
    on the [0,1] scale); lung slices are also flipped left-right with the left/right labels
    swapped; VQA images are never flipped (questions talk about left and right).
  * AdamW (lr 3e-4, wd 0.05), 300 warm-up steps, cosine decay; grad-norm clip 1.0.
  * early stopping: every 2 epochs, score = mean(lung IoU, left/right mIoU) on lung-ct val (at
    512, as the runtime does) + VQA accuracy on the validation questions; best state kept;
    stop after 8 evaluations without improvement.
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

from model import ModelDims, VesaliusVLM  # noqa: E402
from tokenizer import WordTokenizer, BOS, EOS, PAD, CAPTION, VQA, SEP  # noqa: E402
from captions import captions_by_image, normalise_answer  # noqa: E402
from preprocess import MEAN, STD  # noqa: E402
from infer import greedy_generate, vqa_prefix, seg_prompt, mask_probs  # noqa: E402
from metrics import iou  # noqa: E402
import data as datamod  # noqa: E402

SEED = 1234
SIZE = 224
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
        self.gen = torch.Generator().manual_seed(SEED)
        self.rng = random.Random(SEED)
        print(f"data: lung train {len(self.lung_x)} val {len(self.val_x)}; VQA train {len(self.vqa_train)} "
              f"val {len(self.vqa_val)}; caption images {len(self.captions)} (test images excluded: "
              f"{len(test_images)}); vocab {len(self.tok.vocab)}; params {self.model.num_parameters():,}; "
              f"closed yes/no weights {self.class_weight}", flush=True)

    # ---- batches ----
    def vqa_batch(self, rows):
        idx = [self.img_index[r["image_name"]] for r in rows]
        x = self.vqa_x[idx]
        x, _ = random_affine(x, self.gen, 5, 0.05, 0.04)
        x = normalise(intensity_jitter(x, self.gen))
        seqs, tgts, w = [], [], []
        for r in rows:
            ans = normalise_answer(str(r["answer"]))
            s, t = text_example(vqa_prefix(self.tok, r["question"], self.dims.max_text_len),
                                self.tok.encode(ans), self.dims.max_text_len)
            seqs.append(s)
            tgts.append(t)
            w.append(self.class_weight.get(ans, 1.0) if r["answer_type"].strip().upper() == "CLOSED" else 1.0)
        ids, tg = pad_batch(seqs, tgts, self.device)
        return x, ids, tg, torch.tensor(w, device=self.device)

    def caption_batch(self, items):
        idx = [self.img_index[n] for n, _ in items]
        x = self.vqa_x[idx]
        x, _ = random_affine(x, self.gen, 5, 0.05, 0.04)
        x = normalise(intensity_jitter(x, self.gen))
        seqs, tgts = zip(*[text_example([BOS, CAPTION], self.tok.encode(c), self.dims.max_text_len)
                           for _, c in items])
        ids, tg = pad_batch(list(seqs), list(tgts), self.device)
        return x, ids, tg

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

    def text_loss(self, emb, ids, tg, weights=None):
        logits = self.model.text(ids, emb)
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tg.reshape(-1), ignore_index=-100,
                             reduction="none").view(tg.shape)
        mask = (tg != -100).float()
        per = (ce * mask).sum(1) / mask.sum(1).clamp(min=1)
        if weights is not None:
            return (per * weights).sum() / weights.sum()
        return per.mean()

    def step_loss(self, vqa_rows, lung_idx, cap_items):
        m = self.model
        xv, ids, tg, w = self.vqa_batch(vqa_rows)
        xl, yl = self.lung_batch(lung_idx)
        xc, cids, ctg = self.caption_batch(cap_items)
        nv, nl = len(xv), len(xl)
        emb, feat = m.encoder(torch.cat([xv, xl, xc]))
        l_vqa = self.text_loss(emb[:nv], ids, tg, w)
        l_cap = self.text_loss(emb[nv + nl:], cids, ctg)
        e_l, f_l = emb[nv:nv + nl], feat[nv:nv + nl]
        prompts = {p: seg_prompt(self.tok, p) for p in SEGMENT_PROMPTS}
        targets = {"lung": (yl[:, 0:1] + yl[:, 1:2]).clamp(max=1), "left lung": yl[:, 1:2],
                   "right lung": yl[:, 0:1]}
        l_mask = 0.0
        for p in SEGMENT_PROMPTS:
            pid = torch.tensor([prompts[p]] * nl, dtype=torch.long, device=self.device)
            l_mask = l_mask + seg_loss(m.mask(pid, e_l, f_l), targets[p]) / len(SEGMENT_PROMPTS)
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
        bv, bl, bc = 32, 8, 8
        steps_per_epoch = math.ceil(len(self.vqa_train) / bv)
        total = steps_per_epoch * a.epochs
        opt = torch.optim.AdamW(self.model.parameters(), lr=3e-4, weight_decay=0.05, betas=(0.9, 0.98))
        warm = 300
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
        best, best_state, best_metrics, bad = -1.0, None, None, 0
        log = []
        t0 = time.time()
        lung_order, cap_order = [], []
        step = 0
        for epoch in range(a.epochs):
            self.model.train()
            order = list(range(len(self.vqa_train)))
            self.rng.shuffle(order)
            sums = np.zeros(3)
            for s in range(steps_per_epoch):
                rows = [self.vqa_train[k] for k in order[s * bv:(s + 1) * bv]]
                if len(lung_order) < bl:
                    perm = list(range(len(self.lung_x)))
                    self.rng.shuffle(perm)
                    lung_order += perm
                if len(cap_order) < bc:
                    perm = list(range(len(self.captions)))
                    self.rng.shuffle(perm)
                    cap_order += perm
                lidx, lung_order = lung_order[:bl], lung_order[bl:]
                cidx, cap_order = cap_order[:bc], cap_order[bc:]
                loss, parts = self.step_loss(rows, lidx, [self.captions[k] for k in cidx])
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
            if (epoch + 1) % 2 == 0 or epoch + 1 == a.epochs or a.max_steps:
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
            if bad >= 8 or (a.max_steps and step >= a.max_steps):
                break
            if a.stop_epoch and epoch + 1 >= a.stop_epoch:
                print(f"stopping after epoch {epoch + 1} (--stop-epoch)", flush=True)
                break
            if a.max_minutes and (time.time() - t0) / 60 > a.max_minutes:
                print(f"time budget of {a.max_minutes} min reached after epoch {epoch + 1}", flush=True)
                break
        minutes = (time.time() - t0) / 60
        self.model.load_state_dict(best_state)
        return {"log": log, "best": best_metrics, "train_minutes": minutes, "device": str(self.device),
                "device_name": torch.cuda.get_device_name(0) if self.device.type == "cuda" else "cpu",
                "torch": torch.__version__, "threads": torch.get_num_threads()}


def save_checkpoint(path: str, model: VesaliusVLM, tok: WordTokenizer, info: dict) -> None:
    """Plain numpy arrays + JSON, so any torch version can read it."""
    arrays = {f"p:{k}": v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    meta = {"dims": model.dims.to_json(), "vocab": tok.vocab, "info": info}
    np.savez(path, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)


def load_checkpoint(path: str) -> tuple[VesaliusVLM, WordTokenizer, dict]:
    z = np.load(path)
    meta = json.loads(bytes(z["meta"]).decode())
    model = VesaliusVLM(ModelDims.from_json(meta["dims"]))
    state = {k[2:]: torch.from_numpy(z[k]) for k in z.files if k.startswith("p:")}
    model.load_state_dict(state)
    model.eval()
    return model, WordTokenizer(meta["vocab"]), meta["info"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--epochs", type=int, default=28)
    ap.add_argument("--stop-epoch", type=int, default=19, help="stop after this epoch (0: run all epochs)")
    ap.add_argument("--max-steps", type=int, default=0, help="smoke test: stop after N steps")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--max-minutes", type=float, default=0.0,
                    help="stop after the epoch that passes this wall-clock budget (0: no budget)")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "vesalius-vlm-0.1.0"))
    ap.add_argument("--checkpoint", default=os.path.join(HERE, ".work", "checkpoint.npz"))
    ap.add_argument("--no-export", action="store_true")
    args = ap.parse_args()
    if args.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    if args.device == "cpu":
        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    trainer = Trainer(args)
    info = trainer.run()
    os.makedirs(os.path.dirname(os.path.abspath(args.checkpoint)), exist_ok=True)
    save_checkpoint(args.checkpoint, trainer.model, trainer.tok, info)
    print(f"best: {json.dumps(info['best'])}; trained {info['train_minutes']:.1f} min on {info['device_name']}",
          flush=True)
    if not args.no_export:
        from export import export_folder
        model = trainer.model.cpu().eval()
        export_folder(model, trainer.tok, os.path.normpath(args.out),
                      {"training": {k: info[k] for k in ("best", "train_minutes", "device_name", "torch")}})
        print(f"exported {os.path.normpath(args.out)}")


if __name__ == "__main__":
    main()
