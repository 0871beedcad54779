"""Train the Vesalius VLM 0.3 (contrastive pretraining, then caption + VQA + masks with presence)
and export the model folder.

One command on a 2-core CPU, seeds fixed, one time budget (npm run model:train):
  /usr/bin/python3 models/training/train.py [--minutes 100] [--out DIR] [--checkpoint PATH]
Options: --minutes M (the training budget of both stages together, validation included; data
loading and export come on top: ~3 min with the caches in .work/, ~6 min building them),
--dims base|small, --threads N (2), --out (default models/vesalius-vlm-<export.VERSION>),
--checkpoint (default models/training/.work/checkpoint.npz), --no-export, --tiny and
--max-steps N (smoke tests: at most N steps per stage), --device cuda (exploration only),
--init FOLDER|none (default models/vesalius-vlm-0.2.0: warm start, see below).

Warm start (--init, default the committed 0.2.0 folder): every parameter the 0.2.0 model has
with the same shape is copied from its ONNX initializers (export.load_onnx_weights) before stage
1; the vocabulary-indexed ones (decoder / mask prompt embeddings, output bias) row by row for the
words both vocabularies share. New parts start at their init: header tables, presence head,
contrastive heads, the rows of new words. The 0.2.0 weights come from the 0.2 recipe (45 min on
this CPU), so the 0.3 weights are that recipe followed by this one; --init none trains from
scratch (what a 2-core CPU cannot do well in 2 h at the 0.2 dims under load).

The budget rule: stage 1 (contrastive) gets CONTRASTIVE_SHARE of the minutes, stage 2 the rest
(whatever stage 1 left). Each stage runs until its deadline; its learning-rate schedule follows
the elapsed fraction of its time, not a step count, because this machine is shared and its
speed changes several-fold during a run (measured: 26 s/step at load 18, ~1 s/step quiet), so a
count fixed in advance would end far too early or too late. The steps a run makes therefore
depend on the load; with --max-steps the schedule follows the step count instead. Everything
else is seeded (torch CPU kernels are deterministic at a fixed thread count).

Stage 1 — contrastive (contrastive.py): the image encoder + a text encoder, CLIP objective
(symmetric InfoNCE, learnable temperature, positives = same image or same text) over every
pair source of pairs.py (VQA-RAD train captions and question+answer texts, lung CT slices,
DICOM header texts; VQA-RAD test images never). AdamW lr 5e-4, warm-up, constant.

Stage 2 — on top of the same encoder (and the contrastive heads, kept aligned by a small
contrastive term), every step:
  * IMAGES_PER_STEP VQA-RAD images with all their training questions (up to MAX_QA_PER_IMAGE) and
    their derived caption (images not in testset.json only); no header (a VQA-RAD image is a
    JPEG: the app gives it no header facts either). Each of these images not in testset.json
    also gives one presence example: a chest image the prompt "lung" with presence 1 and no
    mask loss (no mask drawn); a head / abdomen image a random declared prompt with presence 0
    and an empty-mask target;
  * LUNG_PER_STEP lung-ct train slices, one prompt each (cycled over the declared prompts):
    mask loss (BCE + soft Dice) and presence 1 (0 for a side whose mask is empty); header facts
    CT / axial / chest with each slot dropped to <unk> with p = HEADER_DROPOUT (so the model
    also works without them); caption "ct, axial, chest. lungs." with the forced prefix of the
    facts it was given (infer.caption_prefix: the caption's decoder input starts with the known
    modality/plane words, exactly as at inference; loss on the rest);
  * DICOM_PER_STEP images under <data>/dicom (not ct-series-totalseg: the "no lung" evaluation
    set) with their real header facts (same dropout) and their header caption (forced prefix as
    above); presence: chest → "lung" 1 without mask loss; another known body part → a random
    prompt, presence 0, empty mask; unknown body part → no presence loss.
  loss = mask + PRESENCE_WEIGHT x presence BCE + VQA (token CE, closed yes/no answers weighted
  to balance the classes) + CAPTION_WEIGHT x caption CE + CONTRASTIVE_WEIGHT x InfoNCE of the
  step's captioned images. AdamW (lr 3e-4, wd 0.05, betas 0.9/0.98), warm-up, cosine decay over
  the stage's fixed step count, grad-norm clip 1.0.
  Augmentation: random affine (lung: rot +-10 deg, scale 0.9-1.1, shift +-6 %, left-right flips
  with the left/right labels swapped; others: rot +-5 deg, scale 0.95-1.05, shift +-4 %, never
  flipped: questions talk about left and right), intensity jitter.
  Validation every VALIDATE_MINUTES and at the end (lung-ct val at 512 without header facts:
  lung IoU, left/right mIoU with the presence threshold applied; VQA accuracy on the validation
  questions); the best state by mean(IoU, mIoU) + VQA accuracy is kept and written to the
  checkpoint each time (so a cut-off run still exports its best state with
  `export.py <checkpoint> <folder>`).

Stage 3 — the mask refiner (refine.py): REFINE_MINUTES (--refine-minutes; 0 = none) on top of
the kept stage-2 state, with the mask decoder's convolutional path (refine.DECODER_PATH, lr 1e-4)
and every other weight frozen (the presence output is untouched); the exported folder then has mask_size
refine.MASK_SIZE (masks at 320 x 320 from the 160 x 160 decoder logits and the slice at 320).

Images: the .work/ caches at S = 160 fitted with "pad" (aspect ratio kept, as the exported
preprocessor_config.json says).
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
from tokenizer import WordTokenizer, EOS, PAD  # noqa: E402
from captions import captions_by_image, normalise_answer  # noqa: E402
from augment import random_affine, intensity_jitter, normalise, set_seed, fill_lungs  # noqa: E402
from infer import greedy_generate, vqa_prefix, seg_prompt, caption_prefix, encode, mask_outputs  # noqa: E402
from metrics import iou  # noqa: E402
from header_facts import SLOTS, VALUES, UNK, header_ids  # noqa: E402
import contrastive as stage1  # noqa: E402
import data as datamod  # noqa: E402
import pairs as pairsmod  # noqa: E402
from export import VERSION, PRESENCE_THRESHOLD, CAPTION_PREFIX_SLOTS, SEGMENT_PROMPTS  # noqa: E402

SEED = 1234
SIZE = datamod.TRAIN_SIZE
FIT = "pad"
MINUTES = 95             # default budget of stages 1-2: + REFINE_MINUTES + ~1 min stage-3 set-up + ~3 min data loading + ~1 min export ~ 120 min
REFINE_MINUTES = 20      # stage 3 (the mask refiner), as the shipped weights had
CONTRASTIVE_SHARE = 0.2  # of the minutes, for stage 1
IMAGES_PER_STEP = 4      # VQA-RAD images per step, each with all its training questions ...
MAX_QA_PER_IMAGE = 16    # ... up to this many (a fresh random subset when an image has more)
LUNG_PER_STEP = 6        # lung-ct slices per step, one prompt each
DICOM_PER_STEP = 2       # DICOM images per step
CONTRASTIVE_BATCH = 48   # stage 1 pairs per step
LR, WARMUP = 3e-4, 40
WARM_LR = 1e-4           # stage 2 lr of the parameters copied from --init
HEADER_DROPOUT = 0.5     # per slot, lung and DICOM images
PRESENCE_WEIGHT = 0.5
CAPTION_WEIGHT = 0.5
CONTRASTIVE_WEIGHT = 0.1
VALIDATE_MINUTES = 10.0
WARM_ENCODER_LR_FACTOR = 0.2  # stage 1 encoder lr / heads lr when warm-started
LUNG_FACTS = pairsmod.LUNG_FACTS
NEG_PER_STEP = 2         # synthetic "no lung" CT slices per step (augment.fill_lungs of lung-ct train slices)
NEG_FACTS = {"modality": "ct", "plane": "axial", "body_part": UNK, "contrast": UNK}  # what a slice below the lung base states
PRESENCE_VAL_EVERY = 5   # every 5th presence-labelled VQA-RAD image is held out from presence training
NEG_SCORE_WEIGHT = 0.5   # weight of the held-out "no lung" empty-mask rate in the selection score
LUNG_CAPTION = pairsmod.LUNG_TEXT


def model_dims(kind: str, vocab_size: int) -> ModelDims:
    header = tuple(len(VALUES[s]) for s in SLOTS)
    common = dict(image_size=SIZE, vocab_size=vocab_size, header_vocab=header, presence_head=True)
    if kind == "tiny":
        return ModelDims(hidden_size=32, num_heads=2, encoder_layers=1, decoder_layers=1, mask_layers=1,
                         stem_channels=(8, 8, 16), pixel_feature_channels=8, mask_channels=(8, 8, 8),
                         mlp_ratio=2, embed_dim=16, text_encoder_layers=1, **common)
    if kind == "small":
        return ModelDims(hidden_size=192, num_heads=6, encoder_layers=3, decoder_layers=2, mask_layers=2,
                         mlp_ratio=3, embed_dim=128, text_encoder_layers=2, **common)
    # base: the 0.2.0 dims + the contrastive heads
    return ModelDims(embed_dim=256, text_encoder_layers=2, **common)


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


def caption_example(tok: WordTokenizer, caption: str, facts: dict | None, max_len: int):
    """A caption's (input, target) with the forced header prefix of `facts` (infer.caption_prefix,
    as inference builds it): the forced words are input, the rest of the caption is the target.
    None when the caption does not start with the forced words: a header caption without a region
    ("ct, axial.") cannot follow the forced "ct, axial," — no caption is trained then."""
    words = tok.encode(caption)
    prefix = caption_prefix(tok, facts, CAPTION_PREFIX_SLOTS)
    forced = prefix[2:]
    if words[:len(forced)] != forced:
        return None
    return text_example(prefix, words[len(forced):], max_len)


def seg_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    inter = (p * target).sum((1, 2, 3))
    dice = 1 - (2 * inter + 1) / (p.sum((1, 2, 3)) + target.sum((1, 2, 3)) + 1)
    return bce + dice.mean()


class StepClock:
    """A stage's deadline and its progress in [0, 1]: the elapsed fraction of its time, or of
    max_steps when that is set (smoke tests)."""

    def __init__(self, minutes: float, max_steps: int):
        self.start = time.time()
        self.seconds = max(1.0, minutes * 60)
        self.max_steps = max_steps

    def done(self, step: int) -> bool:
        if self.max_steps:
            return step >= self.max_steps
        return time.time() - self.start >= self.seconds

    def progress(self, step: int) -> float:
        if self.max_steps:
            return min(1.0, step / self.max_steps)
        return min(1.0, (time.time() - self.start) / self.seconds)


def warm_start(model: VesaliusVLM, tok: WordTokenizer, folder: str) -> dict:
    """Copy the parameters of the model folder's weights that fit (see the module doc)."""
    from export import load_onnx_weights
    old, old_tok = load_onnx_weights(folder)
    old_state = old.state_dict()
    state = model.state_dict()
    by_vocab = {"text.embed.weight", "text.head_bias", "mask.embed.weight"}
    shared = [(i, old_tok.vocab[w]) for w, i in tok.vocab.items() if w in old_tok.vocab]
    new_rows = torch.tensor([i for i, _ in shared])
    old_rows = torch.tensor([j for _, j in shared])
    copied, skipped = 0, []
    with torch.no_grad():
        for name, t in state.items():
            if name in by_vocab and name in old_state and old_state[name].shape[1:] == t.shape[1:]:
                t[new_rows] = old_state[name][old_rows]
                copied += 1
            elif name in old_state and old_state[name].shape == t.shape:
                t.copy_(old_state[name])
                copied += 1
            else:
                skipped.append(name)
    model.load_state_dict(state)
    fresh = sorted({n.split(".")[0] + "." + n.split(".")[1] for n in skipped})
    print(f"warm start from {folder}: {copied} tensors copied ({len(shared)} of {len(tok.vocab)} words shared); "
          f"fresh: {', '.join(fresh)}", flush=True)
    return {"folder": os.path.basename(os.path.normpath(folder)), "tensors_copied": copied,
            "words_shared": len(shared), "fresh": fresh, "fresh_tensors": sorted(skipped)}


class Trainer:
    def __init__(self, args):
        self.args = args
        self.device = torch.device(args.device)
        dev = self.device
        arrays, meta = datamod.load_cache(datamod.build_cache(SIZE, FIT))
        self.pairs = pairsmod.build_pairs(SIZE, arrays, meta, FIT)
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
        # presence labels of VQA-RAD images (never a test image): CHEST 1, HEAD / ABD 0
        organ = {r["image_name"]: r["image_organ"].strip().upper() for r in train_rows}
        presence = {self.img_index[n]: (1.0 if o == "CHEST" else 0.0) for n, o in sorted(organ.items())
                    if n not in test_images and o in ("CHEST", "HEAD", "ABD")}
        # held out for the selection score's "no lung" term (the test images are never looked at)
        held = sorted(presence)[::PRESENCE_VAL_EVERY]
        self.presence_val = {k: presence[k] for k in held}
        self.vqa_presence = {k: v for k, v in presence.items() if k not in self.presence_val}
        # DICOM images of the pairs (their own header facts and header captions)
        p = self.pairs
        self.dicom = [(k, t, p["facts"][str(k)]) for k, t, src in p["pairs"] if src == "dicom"]
        self.pair_x = torch.from_numpy(p["images"].astype(np.float32))[:, None].to(dev)
        texts = [r["question"] for r in train_rows] + [normalise_answer(str(r["answer"])) for r in train_rows]
        texts += [c for _, c in self.captions] + SEGMENT_PROMPTS + [t for _, t, _ in p["pairs"]]
        texts += [v for s in SLOTS for v in VALUES[s][1:]]  # every header value is in the vocabulary
        self.tok = WordTokenizer.build(texts)
        kind = "tiny" if args.tiny else args.dims
        dims = model_dims(kind, len(self.tok.vocab))
        set_seed(SEED)
        self.model = VesaliusVLM(dims)
        with torch.no_grad():  # small embedding init: the output projection is tied to it
            for emb in (self.model.text.embed, self.model.mask.embed):
                emb.weight.normal_(0.0, 0.02)
        self.warm = None
        if args.init and args.init != "none" and not args.tiny:
            self.warm = warm_start(self.model, self.tok, args.init)
        self.model = self.model.to(dev)
        self.dims = dims
        closed = [r for r in self.vqa_train if r["answer_type"].strip().upper() == "CLOSED"
                  and normalise_answer(str(r["answer"])) in ("yes", "no")]
        n_yes = sum(normalise_answer(str(r["answer"])) == "yes" for r in closed)
        n_no = len(closed) - n_yes
        self.class_weight = {"yes": len(closed) / (2 * max(n_yes, 1)), "no": len(closed) / (2 * max(n_no, 1))}
        self.qa_by_image: dict[int, list[dict]] = {}
        for r in self.vqa_train:
            self.qa_by_image.setdefault(self.img_index[r["image_name"]], []).append(r)
        self.caption_of = {self.img_index[n]: c for n, c in self.captions}
        self.train_images = sorted(set(self.qa_by_image) | set(self.caption_of))
        self.gen = torch.Generator().manual_seed(SEED)
        self.rng = random.Random(SEED)
        n_neg = sum(v == 0.0 for v in self.vqa_presence.values())
        print(f"data: lung train {len(self.lung_x)} val {len(self.val_x)}; VQA train {len(self.vqa_train)} "
              f"val {len(self.vqa_val)} on {len(self.train_images)} images; caption images {len(self.captions)} "
              f"(test images excluded: {len(test_images)}); presence from VQA-RAD: {len(self.vqa_presence) - n_neg} "
              f"chest, {n_neg} without lungs (held out for validation: {len(self.presence_val)}); DICOM {len(self.dicom)}; vocab {len(self.tok.vocab)}; "
              f"params {self.model.num_parameters():,} ({kind}); closed yes/no weights {self.class_weight}",
              flush=True)

    # ---- header facts ----
    def dropped(self, facts: dict) -> dict:
        """The facts with each slot replaced by <unk> with probability HEADER_DROPOUT."""
        return {s: (UNK if self.rng.random() < HEADER_DROPOUT else facts.get(s, UNK)) for s in SLOTS}

    def ids_of(self, facts_list: list[dict | None]) -> torch.Tensor:
        rows = [header_ids(f) if f else [0] * len(SLOTS) for f in facts_list]
        return torch.tensor(rows, dtype=torch.long, device=self.device)

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
        rows = self.qa_by_image.get(image_idx, [])
        if len(rows) > MAX_QA_PER_IMAGE:
            rows = self.rng.sample(rows, MAX_QA_PER_IMAGE)
        return rows

    def random_prompt(self) -> str:
        return SEGMENT_PROMPTS[self.rng.randrange(len(SEGMENT_PROMPTS))]

    def negatives(self, idx) -> torch.Tensor:
        """Synthetic "no lung" CT slices (augment.fill_lungs) from lung-ct train slices, augmented like the lung
        batch, normalised."""
        x, y = random_affine(self.lung_x[idx], self.gen, 10, 0.1, 0.06, self.lung_y[idx])
        lung = (y[:, 0:1] + y[:, 1:2]) > 0.5
        return normalise(intensity_jitter(fill_lungs(x, lung, self.gen), self.gen))

    def step_loss(self, image_idx: list[int], lung_idx: list[int], lung_prompts: list[str], dicom_idx: list[int],
                  neg_idx: list[int] | None = None):
        m, dev, L = self.model, self.device, self.dims.max_text_len
        zeros = lambda n: torch.zeros(n, 1, SIZE, SIZE, device=dev)  # noqa: E731
        xv, _ = random_affine(self.vqa_x[image_idx], self.gen, 5, 0.05, 0.04)
        xv = normalise(intensity_jitter(xv, self.gen))
        xl, yl = self.lung_batch(lung_idx)
        dic = [self.dicom[j] for j in dicom_idx]
        xd = normalise(zeros(0))
        if dic:
            xd, _ = random_affine(self.pair_x[[k for k, _, _ in dic]], self.gen, 5, 0.05, 0.04)
            xd = normalise(intensity_jitter(xd, self.gen))
        neg_idx = neg_idx or []
        xn = self.negatives(neg_idx) if neg_idx else normalise(zeros(0))
        nv, nl, nd = len(xv), len(xl), len(xd)
        lung_facts = [self.dropped(LUNG_FACTS) for _ in lung_idx]
        dicom_facts = [self.dropped(f) for _, _, f in dic]
        neg_facts = [self.dropped(NEG_FACTS) for _ in neg_idx]
        facts = [None] * nv + lung_facts + dicom_facts + neg_facts
        emb, feat = m.encoder(torch.cat([xv, xl, xd, xn]), self.ids_of(facts))
        cache = m.text.image_cache(emb)
        # VQA: every training question of the batch's VQA-RAD images (no header)
        seqs, tgts, w, owner = [], [], [], []
        for row, k in enumerate(image_idx):
            for r in self.image_questions(k):
                ans = normalise_answer(str(r["answer"]))
                s, t = text_example(vqa_prefix(self.tok, r["question"], L), self.tok.encode(ans), L)
                seqs.append(s)
                tgts.append(t)
                closed = r["answer_type"].strip().upper() == "CLOSED"
                w.append(self.class_weight.get(ans, 1.0) if closed else 1.0)
                owner.append(row)
        l_vqa = torch.zeros((), device=dev)
        if seqs:
            ids, tg = pad_batch(seqs, tgts, dev)
            l_vqa = self.text_loss(cache, owner, ids, tg, torch.tensor(w, device=dev))
        # captions: VQA-RAD (never a test image; no header), lung slices and DICOM images (their
        # header caption with the forced prefix of the facts they were given)
        cap = [(row, self.caption_of[k], None) for row, k in enumerate(image_idx) if k in self.caption_of]
        cap += [(nv + j, LUNG_CAPTION, f) for j, f in enumerate(lung_facts)]
        cap += [(nv + nl + j, text, f) for j, ((_, text, _), f) in enumerate(zip(dic, dicom_facts))]
        examples = [(row, caption_example(self.tok, c, f, L)) for row, c, f in cap]
        examples = [(row, ex) for row, ex in examples if ex is not None]
        ids, tg = pad_batch([ex[0] for _, ex in examples], [ex[1] for _, ex in examples], dev)
        l_cap = self.text_loss(cache, [row for row, _ in examples], ids, tg)
        # masks and presence: (encoder row, prompt, mask target or None, presence label or None)
        targets = {"lung": (yl[:, 0:1] + yl[:, 1:2]).clamp(max=1), "left lung": yl[:, 1:2],
                   "right lung": yl[:, 0:1]}
        jobs = []
        for j, p in enumerate(lung_prompts):
            t = targets[p][j:j + 1]
            jobs.append((nv + j, p, t, float(t.max() > 0.5)))
        for row, k in enumerate(image_idx):
            label = self.vqa_presence.get(k)
            if label == 1.0:
                jobs.append((row, "lung", None, 1.0))
            elif label == 0.0:
                jobs.append((row, self.random_prompt(), zeros(1), 0.0))
        for j, (_, _, f) in enumerate(dic):
            if f["body_part"] == "chest":
                jobs.append((nv + nl + j, "lung", None, 1.0))
            elif f["body_part"] != UNK:
                jobs.append((nv + nl + j, self.random_prompt(), zeros(1), 0.0))
        for j in range(len(neg_idx)):
            jobs.append((nv + nl + nd + j, self.random_prompt(), zeros(1), 0.0))
        pids = [seg_prompt(self.tok, p) for _, p, _, _ in jobs]
        width = max(len(q) for q in pids)
        pid = torch.tensor([q + [PAD] * (width - len(q)) for q in pids], dtype=torch.long, device=dev)
        rows = torch.tensor([r for r, _, _, _ in jobs], dtype=torch.long, device=dev)
        logits, presence = m.mask(pid, emb.index_select(0, rows), feat.index_select(0, rows))
        with_mask = [i for i, (_, _, t, _) in enumerate(jobs) if t is not None]
        l_mask = seg_loss(logits[with_mask], torch.cat([jobs[i][2] for i in with_mask]))
        labels = torch.tensor([lab for _, _, _, lab in jobs], device=dev)
        l_presence = F.binary_cross_entropy_with_logits(presence[:, 0], labels)
        # keep image_embed / text_embed aligned with the fine-tuned encoder
        l_con = torch.zeros((), device=dev)
        if self.model.has_embeddings and len(cap) > 1:
            rows_c = [row for row, _, _ in cap]
            l_con = stage1.pairs_loss(m, self.tok, emb[rows_c], rows_c, [c for _, c, _ in cap])
        loss = (l_mask + PRESENCE_WEIGHT * l_presence + l_vqa + CAPTION_WEIGHT * l_cap
                + CONTRASTIVE_WEIGHT * l_con)
        return loss, (float(l_mask), float(l_presence), float(l_vqa), float(l_cap), float(l_con))

    # ---- validation ----
    @torch.no_grad()
    def validate(self):
        m = self.model.eval()
        ious, mious = [], []
        for i in range(0, len(self.val_x), 8):
            emb, feat = encode(m, normalise(self.val_x[i:i + 8]))
            full = self.val_labels[i:i + 8]
            size = tuple(full.shape[1:])
            probs = {}
            for p in SEGMENT_PROMPTS:
                logits, presence = mask_outputs(m, seg_prompt(self.tok, p), emb, feat)
                pr = F.interpolate(torch.sigmoid(logits), size=size, mode="bilinear", align_corners=False)[:, 0]
                if presence is not None:
                    pr = pr * (presence >= PRESENCE_THRESHOLD).float().view(-1, 1, 1)
                probs[p] = pr.cpu().numpy()
            for j in range(len(full)):
                ious.append(iou(probs["lung"][j] > 0.5, full[j] > 0))
                mious.append((iou(probs["right lung"][j] > 0.5, full[j] == 1)
                              + iou(probs["left lung"][j] > 0.5, full[j] == 2)) / 2)
        correct = {"CLOSED": [], "OPEN": []}
        for i in range(0, len(self.vqa_val), 64):
            rows = self.vqa_val[i:i + 64]
            idx = [self.img_index[r["image_name"]] for r in rows]
            emb, _ = encode(m, normalise(self.vqa_x[idx]))
            gens = greedy_generate(m, emb, [vqa_prefix(self.tok, r["question"], self.dims.max_text_len)
                                            for r in rows], 8, self.dims.max_text_len)
            for r, g in zip(rows, gens):
                ok = normalise_answer(self.tok.decode(g)) == normalise_answer(str(r["answer"]))
                correct[r["answer_type"].strip().upper()].append(ok)
        neg = self.validate_presence(m)
        m.train()
        acc_c = float(np.mean(correct["CLOSED"])) if correct["CLOSED"] else 0.0
        acc_o = float(np.mean(correct["OPEN"])) if correct["OPEN"] else 0.0
        acc = float(np.mean(correct["CLOSED"] + correct["OPEN"]))
        return {"lung_iou": float(np.mean(ious)), "lung_miou": float(np.mean(mious)),
                "vqa_closed": acc_c, "vqa_open": acc_o, "vqa_acc": acc, **neg}

    @torch.no_grad()
    def validate_presence(self, m) -> dict:
        """Held-out "no lung" figures: the "lung" mask is empty (presence below the threshold or no pixel >= 0.5)
        on the held-out VQA-RAD head / abdomen images (no header, as JPEGs) and on the lung-ct val slices with
        their lungs filled (fill_lungs, fixed seed; CT / axial header); present on the held-out chest images."""
        lung_prompt = seg_prompt(self.tok, "lung")

        def empty(x, ids=None):
            out = []
            for i in range(0, len(x), 8):
                emb, feat = encode(m, x[i:i + 8], None if ids is None else ids[i:i + 8])
                logits, presence = mask_outputs(m, lung_prompt, emb, feat)
                painted = (torch.sigmoid(logits) >= 0.5).flatten(1).any(1)
                if presence is not None:
                    painted = painted & (presence >= PRESENCE_THRESHOLD)
                out += [not bool(p) for p in painted]
            return out

        keys = sorted(self.presence_val)
        e = empty(normalise(self.vqa_x[keys]))
        neg_vqa = [ok for k, ok in zip(keys, e) if self.presence_val[k] == 0.0]
        chest_present = [not ok for k, ok in zip(keys, e) if self.presence_val[k] == 1.0]
        lung = F.interpolate(torch.from_numpy((self.val_labels > 0).astype(np.float32))[:, None],
                             size=self.val_x.shape[-2:], mode="area").to(self.device) > 0
        gen = torch.Generator().manual_seed(SEED)
        xn = normalise(fill_lungs(self.val_x, lung, gen))
        neg_ct = empty(xn, self.ids_of([NEG_FACTS] * len(xn)))
        neg_ct_noheader = empty(xn)
        rate = lambda v: float(np.mean(v)) if v else 0.0  # noqa: E731
        return {"no_lung_vqa_empty": rate(neg_vqa), "no_lung_ct_empty": rate(neg_ct),
                "no_lung_ct_empty_no_header": rate(neg_ct_noheader), "chest_judged_present": rate(chest_present),
                "no_lung_empty": (rate(neg_vqa) + rate(neg_ct)) / 2}

    def save(self, state: dict | None, info: dict, path: str | None = None) -> None:
        """The checkpoint (export.py <checkpoint> <folder> exports it) with `state` loaded."""
        path = path or self.args.checkpoint
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        current = None
        if state is not None:
            current = {k: t.detach().cpu().clone() for k, t in self.model.state_dict().items()}
            self.model.load_state_dict(state)
        conv = Linear.conv_path
        Linear.conv_path = False
        self.model.save_checkpoint(path + ".tmp.npz", self.tok.vocab, info)
        os.replace(path + ".tmp.npz", path)
        Linear.conv_path = conv
        if current is not None:
            self.model.load_state_dict(current)

    # ---- stage 1: contrastive ----
    def run_contrastive(self, minutes: float) -> dict:
        p = self.pairs
        images = self.pair_x  # every pair image, unit range at S (DICOM rows index it too)
        by_source: dict[str, list[int]] = {}
        for k, (_, _, src) in enumerate(p["pairs"]):
            by_source.setdefault(src, []).append(k)
        m = self.model
        heads = [q for n, q in m.contrastive.named_parameters() if n != "logit_scale"]
        encoder = list(m.encoder.parameters())
        params = encoder + heads
        # a warm-started encoder moves slower than the new heads (it already holds 0.2.0's features)
        enc_lr = stage1.LR * (WARM_ENCODER_LR_FACTOR if self.warm else 1.0)
        opt = torch.optim.AdamW([{"params": encoder, "weight_decay": 0.05, "lr": enc_lr},
                                 {"params": heads, "weight_decay": 0.05},
                                 {"params": [m.contrastive.logit_scale], "weight_decay": 0.0}],
                                lr=stage1.LR, betas=(0.9, 0.98))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / stage1.WARMUP))
        clock = StepClock(minutes, self.args.max_steps)
        rng = random.Random(stage1.SEED)
        batch = 8 if self.args.tiny else CONTRASTIVE_BATCH
        step, window, log = 0, [], []
        first = stage1.held_out_retrieval(m, self.tok, images, p["held_out"])
        m.train()
        while not clock.done(step):
            loss = stage1.contrastive_step_loss(m, self.tok, images, p["pairs"], stage1.sample_pairs(rng, by_source, batch),
                                                self.gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            window.append(float(loss))
            if step % 20 == 0:
                entry = {"stage": 1, "step": step, "loss": float(np.mean(window)),
                         "temperature": float(1 / m.contrastive.scale()), "minutes": (time.time() - clock.start) / 60}
                log.append(entry)
                print(json.dumps(entry), flush=True)
                window = []
        last = stage1.held_out_retrieval(m, self.tok, images, p["held_out"])
        out = {"steps": step, "minutes": (time.time() - clock.start) / 60, "log": log,
               "held_out_before": {"text_to_image": first["text_to_image"], "image_to_text": first["image_to_text"]},
               "held_out_after": {"text_to_image": last["text_to_image"], "image_to_text": last["image_to_text"]},
               "random_recall_at_k": last["random_recall_at_k"], "n_held_out": last["n"]}
        print(json.dumps({"stage": 1, "done": step, "t2i": last["text_to_image"], "i2t": last["image_to_text"]}),
              flush=True)
        return out

    # ---- stage 2: captions, VQA, masks + presence ----
    def run_tasks(self, minutes: float, info: dict) -> dict:
        a = self.args
        bi, bl, bd = IMAGES_PER_STEP, LUNG_PER_STEP, DICOM_PER_STEP
        named = list(self.model.named_parameters())
        fresh = set(self.warm["fresh_tensors"]) if self.warm else {n for n, _ in named}
        # warm-started weights move at WARM_LR (they hold 0.2.0's skills), new parts at LR
        groups = [{"params": [q for n, q in named if n in fresh], "lr": LR},
                  {"params": [q for n, q in named if n not in fresh], "lr": WARM_LR}]
        opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=LR, weight_decay=0.05, betas=(0.9, 0.98))
        clock = StepClock(minutes, a.max_steps)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / WARMUP) * 0.5 * (1 + math.cos(math.pi * clock.progress(s))))
        best, best_state, best_metrics = -1.0, None, None
        log = []
        order: list[int] = []
        lung_order: list[int] = []
        dicom_order: list[int] = []
        prompt_cycle = 0
        step = 0
        sums = np.zeros(5)
        n_sum = 0
        next_validation = clock.start + VALIDATE_MINUTES * 60
        self.model.train()
        while True:
            if len(order) < bi:
                perm = list(self.train_images)
                self.rng.shuffle(perm)
                order += perm
            images, order = order[:bi], order[bi:]
            if len(lung_order) < bl:
                perm = list(range(len(self.lung_x)))
                self.rng.shuffle(perm)
                lung_order += perm
            lidx, lung_order = lung_order[:bl], lung_order[bl:]
            if len(dicom_order) < bd and self.dicom:
                perm = list(range(len(self.dicom)))
                self.rng.shuffle(perm)
                dicom_order += perm
            didx, dicom_order = dicom_order[:bd], dicom_order[bd:]
            prompts = [SEGMENT_PROMPTS[(prompt_cycle + j) % len(SEGMENT_PROMPTS)] for j in range(bl)]
            prompt_cycle += 1
            nidx = [self.rng.randrange(len(self.lung_x)) for _ in range(NEG_PER_STEP)]
            loss, parts = self.step_loss(images, lidx, prompts, didx, nidx)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            sums += parts
            n_sum += 1
            finished = clock.done(step)
            if step % 10 == 0 or finished:
                names = ("loss_mask", "loss_presence", "loss_vqa", "loss_caption", "loss_contrastive")
                entry = {"stage": 2, "step": step, **{k: float(v / n_sum) for k, v in zip(names, sums)},
                         "lr": opt.param_groups[-1]["lr"], "minutes": (time.time() - clock.start) / 60}
                sums[:] = 0
                n_sum = 0
                if time.time() >= next_validation or finished:
                    next_validation = time.time() + VALIDATE_MINUTES * 60
                    v = self.validate()
                    entry.update(v)
                    entry["score"] = ((v["lung_iou"] + v["lung_miou"]) / 2 + v["vqa_acc"]
                                      + NEG_SCORE_WEIGHT * v["no_lung_empty"])
                    if entry["score"] > best:
                        best, best_metrics = entry["score"], dict(entry)
                        best_state = {k: t.detach().cpu().clone() for k, t in self.model.state_dict().items()}
                    self.save(best_state, {**info, "stage": 2, "steps_stage2": step, "best": best_metrics})
                    # the current state too (for comparison with the kept one)
                    self.save(None, {**info, "stage": 2, "steps_stage2": step, "metrics": entry},
                              self.args.checkpoint.replace(".npz", "-last.npz"))
                log.append(entry)
                print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in entry.items()}),
                      flush=True)
            if finished:
                break
        self.model.load_state_dict(best_state)
        return {"steps": step, "minutes": (time.time() - clock.start) / 60, "log": log, "best": best_metrics}

    def run(self) -> dict:
        a = self.args
        info = {"device": str(self.device), "threads": torch.get_num_threads(), "torch": torch.__version__,
                "dims": self.dims.to_json(), "minutes_budget": a.minutes, "contrastive_share": CONTRASTIVE_SHARE,
                "conv_path": Linear.conv_path,
                "warm_start": {k: v for k, v in self.warm.items() if k != "fresh_tensors"} if self.warm else None,
                "device_name": torch.cuda.get_device_name(0) if self.device.type == "cuda" else "cpu"}
        t0 = time.time()
        info["stage1"] = self.run_contrastive(a.minutes * CONTRASTIVE_SHARE)
        self.save(None, {**info, "stage": 1})
        rest = a.minutes - (time.time() - t0) / 60
        info["stage2"] = self.run_tasks(rest, info)
        info["best"] = info["stage2"]["best"]
        info["train_minutes"] = (time.time() - t0) / 60
        return info


def main():
    ap = argparse.ArgumentParser(description="Vesalius VLM 0.3 recipe: contrastive stage, then tasks; exports the folder")
    ap.add_argument("--device", default="cpu", help="cpu (the shipped recipe) or cuda (exploration only)")
    ap.add_argument("--minutes", type=float, default=MINUTES, help="training budget of both stages together")
    ap.add_argument("--dims", choices=("base", "small"), default="base")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--conv-path", action="store_true",
                    help="linear layers as 1x1 convolutions while training (model.Linear; see time_recipe.py)")
    ap.add_argument("--max-steps", type=int, default=0, help="smoke test: at most N steps per stage")
    ap.add_argument("--refine-minutes", type=float, default=REFINE_MINUTES,
                    help="stage 3: the mask refiner (refine.py) on top of stage 2; 0 = no refiner")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "..", f"vesalius-vlm-{VERSION}"))
    ap.add_argument("--checkpoint", default=os.path.join(HERE, ".work", "checkpoint.npz"))
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--init", default=os.path.join(HERE, "..", "vesalius-vlm-0.2.0"),
                    help="warm start from this model folder's weights (same dims), or none")
    args = ap.parse_args()
    if args.device == "cpu":
        torch.set_num_threads(args.threads)
        Linear.conv_path = args.conv_path
    t_start = time.time()
    trainer = Trainer(args)
    info = trainer.run()
    info["total_minutes"] = (time.time() - t_start) / 60
    Linear.conv_path = False
    trainer.save(None, info)
    model = trainer.model.cpu().eval()
    if args.refine_minutes > 0 and not args.tiny:
        from refine import RefinerTrainer
        stage3 = RefinerTrainer(model, trainer.tok, tune_decoder=True)  # as the shipped 0.3.0 weights
        info["stage3"] = {k: v for k, v in stage3.run(args.refine_minutes, args.max_steps).items() if k != "log"}
        model = stage3.model.eval()
    print(f"best: {json.dumps(info['best'])}; trained {info['train_minutes']:.1f} min "
          f"({info['total_minutes']:.1f} min with data loading) on {info['device_name']}", flush=True)
    if not args.no_export:
        from export import export_folder
        s1 = info["stage1"]
        export_folder(model, trainer.tok, os.path.normpath(args.out),
                      {"training": {"best": info["best"], "train_minutes": info["train_minutes"],
                                    "total_minutes": info["total_minutes"], "steps_stage1": s1["steps"],
                                    "steps_stage2": info["stage2"]["steps"], "device_name": info["device_name"],
                                    "threads": info["threads"], "torch": info["torch"],
                                    "warm_start": info["warm_start"], "stage3_refiner": info.get("stage3"),
                                    "contrastive_held_out": s1["held_out_after"]}})
        print(f"exported {os.path.normpath(args.out)}; whole command {(time.time() - t_start) / 60:.1f} min",
              flush=True)


if __name__ == "__main__":
    main()
