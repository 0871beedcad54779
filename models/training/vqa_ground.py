"""Experiment: a short fine-tune that makes VQA answers depend on the image (grounding), measured
before and after on VQA-RAD validation and test in one run.

  nice -n 10 /usr/bin/python3 models/training/vqa_ground.py [--model models/vesalius-vlm-0.3.0]
      [--minutes 30] [--out /tmp/vqaB/folder] [--figures /tmp/vqaB/figures.json] [--threads 2]
      [--no-organ] [--max-steps N] [--no-export]

What is trained: the text decoder only (model.text: token embedding = output projection, positions,
self/cross attention, MLPs). The image encoder, the mask decoder (and presence head) and the
contrastive heads are frozen, so masks, presence and image/text embeddings are bit-identical to the
input folder's (checked at the end: max |diff| of every non-decoder tensor is written to the
figures). With the encoder frozen each training image is encoded once per augmented view
(VIEWS views: train.py's VQA augmentation) before training, so a step is decoder-only.

Data: VQA-RAD TRAIN questions (data.load_vqa's split "train", as train.py) on images that are NOT in
testset.json (VQA-RAD shares images between its train and test questions; 62 % of the train
questions are on test images, and those are left out here so nothing of a test image is trained
on). Validation questions (split "val") and test questions are only measured.

Loss per step (IMAGES images, each with up to MAX_QA train questions):
  * the stage-2 VQA loss (train.py: token CE, closed yes/no classes weighted to balance);
  * blank image (a constant image, level drawn from BLANK_LEVELS, which do not include the
    evaluation's blank = pixel_values 0, i.e. unit level 0.3): for closed yes/no questions a hinge on
    the yes-vs-no logit difference z at the answer's first token, s * (z_real - z_blank) >= MARGIN_CLOSED
    (s = +1 for "yes", -1 for "no"), plus BLANK_YN_WEIGHT x -log(p(yes) + p(no) | blank) so that a
    blank image still gets a yes/no answer (without it the hinge could be met by answering garbage,
    which would lower the blank-image accuracy without any grounding); for open questions a hinge on
    the answer's sequence log-probability, log p(a | real) - log p(a | blank) >= MARGIN_OPEN;
  * another training image, only where the answer there is KNOWN to differ (a margin against an
    image whose answer is the same would teach the wrong thing; for closed questions that is about
    half of random pairs): the same question (same tokens) asked about another training image with a
    different answer; for open position / abnormality questions (question_type POS or ABN) an image of
    another organ (image_organ), excluding images that have the same question with the same answer;
    for the organ questions below, an image for which the answer flips. Same two hinges as for the
    blank image, with the other image in place of the blank;
  * organ questions derived from the image labels (--no-organ: off): each batch image gets one
    "is this an image / a study of the <chest|head|abdomen>?" question, yes or no with p = 0.5, answer
    from image_organ; CE weight ORGAN_WEIGHT, and the flip image of the other-image hinge;
  * captions kept: CAPTION_WEIGHT x caption CE of the derived captions of the batch's (non-test)
    VQA-RAD images and of LUNG_PER_STEP lung-ct train slices with train.py's header dropout and
    forced prefix (train.caption_example). DICOM header captions are not trained here.
AdamW lr LR, wd 0.05, warm-up WARMUP steps, cosine over the time budget (train.StepClock), grad clip 1.
Validation every VALIDATE_MINUTES on the val questions (closed, open, closed with the evaluation's
blank image); the kept state maximises closed + open + (closed - closed_blank) on val.

Figures (before = the input folder's weights, after = the kept state), each on val and test: closed /
open accuracy, closed accuracy with the blank image and with another image (evaluate.py's rules: the
blank is pixel_values 0, the other image is the next image of the set in sorted name order), the
fraction of closed answers unchanged with the blank / other image, and the fraction of blank-image
closed answers that are yes or no; decoding as the app (greedy, question rules: evaluate.py's
answer_questions). Captions: BLEU-4 / ROUGE-L / CIDEr-D and fact accuracy on the test images, fact
accuracy on lung-ct val (evaluate.py's functions).

Measured (2 threads, nice 10, on a CPU shared with other jobs at higher priority, so only 26 steps in
--minutes 14; a 30-min run before it made 65 steps, same trend): val closed 0.742 -> 0.695, open 0.328 ->
0.336, closed with blank 0.711 -> 0.695; test closed 0.636 -> 0.618, open 0.190 -> 0.190, blank 0.603 -> 0.610,
other 0.625 -> 0.614, closed unchanged with blank 0.893 -> 0.871; test-image caption modality+region
0.304 -> 0.101 (lung-ct val 1.0 -> 1.0). Validation kept step 0, so the exported folder holds the input
weights. Inconclusive: too few steps; the caption loss term as set here does not protect captions.
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

from captions import captions_by_image, normalise_answer  # noqa: E402
from augment import random_affine, intensity_jitter, normalise, set_seed  # noqa: E402
from infer import FolderRules, encode, vqa_prefix  # noqa: E402
from header_facts import SLOTS, UNK  # noqa: E402
from train import text_example, pad_batch, caption_example, StepClock, LUNG_FACTS, LUNG_CAPTION, HEADER_DROPOUT  # noqa: E402
from export import load_onnx_weights, export_folder  # noqa: E402
from model import Linear  # noqa: E402
from preprocess import hu_to_unit  # noqa: E402
import data as datamod  # noqa: E402
import evaluate as ev  # noqa: E402
import baselines  # noqa: E402
import caption_facts  # noqa: E402

SEED = 4321
SIZE = datamod.TRAIN_SIZE
FIT = "pad"
MINUTES = 30.0
IMAGES = 8              # training images per step ...
MAX_QA = 16             # ... each with up to this many of its train questions
VIEWS = 8               # augmented views per training image, encoded once (the encoder is frozen)
LUNG_VIEWS = 64         # lung-ct train slices encoded for the caption term (one header variant each)
LUNG_PER_STEP = 2
BLANK_LEVELS = [i / 8 for i in range(9)]  # unit levels 0, 0.125, ..., 1 (the evaluation's 0.3 is not one)
LR, WARMUP = 1e-4, 20
MARGIN_CLOSED = 2.0     # yes-vs-no logit units
MARGIN_OPEN = 2.0       # nats of the answer's sequence log-probability
GROUND_WEIGHT = 1.0
BLANK_YN_WEIGHT = 0.2
ORGAN_WEIGHT = 0.5
CAPTION_WEIGHT = 0.5
VALIDATE_MINUTES = 6.0
ORGANS = {"CHEST": ["chest"], "HEAD": ["head", "brain"], "ABD": ["abdomen"]}
ORGAN_TEMPLATES = ["is this an image of the {}?", "is this a study of the {}?"]


def organ_of(r) -> str:
    return r["image_organ"].strip().upper()


def is_closed(r) -> bool:
    return r["answer_type"].strip().upper() == "CLOSED"


# ---- measurement (evaluate.py's functions and rules) -------------------------------------------

class EvalSet:
    """The questions of one split with their images encoded as evaluate.py does: real, blank
    (pixel_values 0), other (the next image of the set in sorted name order, wrapping)."""

    def __init__(self, model, rules, rows: list[dict], units_by_name: dict):
        self.rows = rows
        self.images = sorted({r["image_name"] for r in rows})
        units = [units_by_name[n] for n in self.images]
        none = [None] * len(units)
        self.enc = ev.encode_units(model, rules, units, none)
        self.blank = ev.encode_units(model, rules, units, none, blank=True)
        self.other = ev.rows_of(self.enc, list(range(1, len(self.images))) + [0])
        self.row = {n: i for i, n in enumerate(self.images)}


@torch.no_grad()
def vqa_figures(model, tok, rules, s: EvalSet, with_other: bool = True) -> dict:
    model.eval()
    ans = ev.answer_questions(model, tok, rules, s.enc, s.row, s.rows)
    blank = ev.answer_questions(model, tok, rules, s.blank, s.row, s.rows)
    words = [a["answer"] for a in ans]
    sc, sb = ev.vqa_scores(words, s.rows), ev.vqa_scores([a["answer"] for a in blank], s.rows)
    kept = [k for k, a in enumerate(ans) if a["refused"] is None]  # as evaluate.py: answered questions
    kept_rows = [s.rows[k] for k in kept]

    def unchanged(other):
        return baselines.answers_unchanged([words[k] for k in kept], [other[k]["answer"] for k in kept], kept_rows)
    closed_blank = [normalise_answer(blank[k]["answer"]) for k in kept if is_closed(s.rows[k])]
    out = {"closed": sc["closed"], "open": sc["open"], "overall": sc["overall"],
           "closed_blank": sb["closed"], "open_blank": sb["open"],
           "unchanged_closed_blank": unchanged(blank)["closed"],
           "blank_closed_answers_yes_or_no": float(np.mean([a in ("yes", "no") for a in closed_blank])),
           "n_closed": sc["n_closed"], "n_open": sc["n_open"]}
    if with_other:
        other = ev.answer_questions(model, tok, rules, s.other, s.row, s.rows)
        so = ev.vqa_scores([a["answer"] for a in other], s.rows)
        out.update({"closed_other": so["closed"], "open_other": so["open"],
                    "unchanged_closed_other": unchanged(other)["closed"]})
    out["closed_minus_blank"] = out["closed"] - out["closed_blank"]
    return out


@torch.no_grad()
def caption_figures(model, tok, rules, test_set: EvalSet, refs: list[str], lung_units: list) -> dict:
    model.eval()
    caps = ev.generate_captions(model, tok, rules, test_set.enc, [None] * len(test_set.images))
    ref_facts = [caption_facts.caption_facts(r) for r in refs]
    lung = ev.chest_ct_caption_section(model, tok, rules, lung_units, [])
    return {"test_images": {**ev.caption_scores(caps, refs),
                            "facts_accuracy": caption_facts.facts_accuracy(caps, ref_facts)["modality_and_region"],
                            "distinct_captions": len(set(caps))},
            "lung_ct_val_modality_and_region": {k: v["facts_accuracy"]["modality_and_region"]
                                                for k, v in lung.items() if isinstance(v, dict)}}


# ---- training ----------------------------------------------------------------------------------

class Grounder:
    def __init__(self, model, tok, rules, args):
        self.model, self.tok, self.rules, self.args = model, tok, rules, args
        self.L = model.dims.max_text_len
        self.yes, self.no = tok.vocab["yes"], tok.vocab["no"]
        arrays, meta = datamod.load_cache(datamod.build_cache(SIZE, FIT))
        test_images = {r["image_name"] for r in meta["vqa_test"]}
        self.rows = [r for r in meta["vqa_train"] if r["split"] == "train" and r["image_name"] not in test_images]
        left_out = sum(r["split"] == "train" and r["image_name"] in test_images for r in meta["vqa_train"])
        names = sorted({r["image_name"] for r in self.rows})
        self.organ = {r["image_name"]: organ_of(r) for r in self.rows}
        self.images = names
        self.by_organ = {o: [n for n in names if self.organ[n] == o] for o in ORGANS}
        caps = captions_by_image([r for r in meta["vqa_train"] if r["image_name"] not in test_images])
        self.caption_of = {n: caps[n] for n in names if n in caps}
        closed = [r for r in self.rows if is_closed(r) and normalise_answer(str(r["answer"])) in ("yes", "no")]
        n_yes = sum(normalise_answer(str(r["answer"])) == "yes" for r in closed)
        self.class_weight = {"yes": len(closed) / (2 * max(n_yes, 1)), "no": len(closed) / (2 * max(len(closed) - n_yes, 1))}
        # examples and the images where each one's answer is known to differ
        key = lambda r: tuple(tok.encode(r["question"]))  # noqa: E731
        answers_of: dict[tuple, dict[str, str]] = {}
        for r in self.rows:
            answers_of.setdefault(key(r), {})[r["image_name"]] = normalise_answer(str(r["answer"]))
        self.qa: dict[str, list[dict]] = {n: [] for n in names}
        n_neg = 0
        for r in self.rows:
            ans = normalise_answer(str(r["answer"]))
            c = is_closed(r) and ans in ("yes", "no")
            same_q = answers_of[key(r)]
            neg = [n for n, a in same_q.items() if a != ans]
            qt = r["question_type"].upper()
            if not is_closed(r) and ("POS" in qt or "ABN" in qt):
                neg = sorted(set(neg) | {n for n in names if self.organ[n] != organ_of(r) and same_q.get(n) != ans})
            n_neg += bool(neg)
            self.qa[r["image_name"]].append({"prefix": vqa_prefix(tok, r["question"], self.L), "answer": tok.encode(ans),
                                             "closed_yn": c, "sign": (1.0 if ans == "yes" else -1.0) if c else 0.0,
                                             "ground": c or not is_closed(r),
                                             "weight": self.class_weight[ans] if c else 1.0, "neg": neg})
        self.gen = torch.Generator().manual_seed(SEED)
        self.rng = random.Random(SEED)
        t0 = time.time()
        vqa_x = torch.from_numpy(arrays["vqa_images"].astype(np.float32))[:, None]
        index = {n: i for i, n in enumerate(meta["vqa_names"])}
        x = vqa_x[[index[n] for n in names]]
        self.view_emb = self.encode_views(x)  # [VIEWS, N, P, D]
        lung = torch.from_numpy(arrays["lung_train_images"].astype(np.float32))[:, None]
        pick = sorted(self.rng.sample(range(len(lung)), min(LUNG_VIEWS, len(lung))))
        xl, _ = random_affine(lung[pick], self.gen, 10, 0.1, 0.06)
        self.lung_facts = [{s: (UNK if self.rng.random() < HEADER_DROPOUT else LUNG_FACTS.get(s, UNK)) for s in SLOTS}
                           for _ in pick]
        ids = torch.tensor([rules.header_ids_of(f) for f in self.lung_facts], dtype=torch.long)
        self.lung_emb = self.encode_batches(normalise(intensity_jitter(xl, self.gen)), ids)
        levels = torch.tensor(BLANK_LEVELS).view(-1, 1, 1, 1) * torch.ones(1, 1, SIZE, SIZE)
        self.blank_emb = self.encode_batches(normalise(levels))
        print(f"data: {len(self.rows)} train questions on {len(names)} images (left out: {left_out} train questions "
              f"on test images); {len(self.caption_of)} captioned; "
              f"{n_neg} questions with a known-different other image; class weights {self.class_weight}; "
              f"encoded {VIEWS} views + {len(pick)} lung slices + {len(BLANK_LEVELS)} blanks in {time.time() - t0:.0f} s",
              flush=True)

    @torch.no_grad()
    def encode_batches(self, x, ids=None, batch=32):
        out = []
        for i in range(0, len(x), batch):
            out.append(encode(self.model, x[i:i + batch], None if ids is None else ids[i:i + batch])[0])
        return torch.cat(out)

    @torch.no_grad()
    def encode_views(self, x):
        views = [self.encode_batches(normalise(x))]  # view 0: the image as the app gives it
        for _ in range(VIEWS - 1):
            xa, _ = random_affine(x, self.gen, 5, 0.05, 0.04)
            views.append(self.encode_batches(normalise(intensity_jitter(xa, self.gen))))
        return torch.stack(views)

    def organ_example(self, name: str) -> dict:
        o = self.organ[name]
        yes = self.rng.random() < 0.5
        asked = o if yes else self.rng.choice([k for k in ORGANS if k != o])
        q = self.rng.choice(ORGAN_TEMPLATES).format(self.rng.choice(ORGANS[asked]))
        # the flip image: another organ for a yes question, the asked organ for a no question
        neg = [n for k in ORGANS if (k != o if yes else k == asked) for n in self.by_organ[k]]
        return {"prefix": vqa_prefix(self.tok, q, self.L), "answer": self.tok.encode("yes" if yes else "no"),
                "closed_yn": True, "sign": 1.0 if yes else -1.0, "ground": True, "weight": 1.0, "neg": neg,
                "organ": True}

    def step_loss(self, batch_names: list[str]):
        m, tok, L = self.model, self.tok, self.L
        pos = {n: i for i, n in enumerate(self.images)}
        embs, rows_of = [], {}  # rows of one tensor: real views, negative views, lung slices, blanks

        def add(key, e):  # each distinct image view once
            if key not in rows_of:
                rows_of[key] = len(embs)
                embs.append(e)
            return rows_of[key]
        seqs, tgts, owner, kind, info = [], [], [], [], []
        for n in batch_names:
            rows = self.qa[n]
            if len(rows) > MAX_QA:
                rows = self.rng.sample(rows, MAX_QA)
            if self.args.organ:
                rows = rows + [self.organ_example(n)]
            v = self.rng.randrange(VIEWS)
            real = add(("view", v, n), self.view_emb[v, pos[n]])
            for ex in rows:
                s, t = text_example(ex["prefix"], ex["answer"], L)
                seqs.append(s), tgts.append(t), owner.append(real), kind.append("real"), info.append(ex)
                if not ex["ground"]:
                    continue
                j = len(seqs) - 1
                lv = self.rng.randrange(len(BLANK_LEVELS))
                b = add(("blank", lv), self.blank_emb[lv])
                seqs.append(s), tgts.append(t), owner.append(b), kind.append(("blank", j)), info.append(ex)
                if ex["neg"]:
                    o = self.rng.choice(ex["neg"])
                    v = self.rng.randrange(VIEWS)
                    e = add(("view", v, o), self.view_emb[v, pos[o]])
                    seqs.append(s), tgts.append(t), owner.append(e), kind.append(("neg", j)), info.append(ex)
            if n in self.caption_of:
                ex = caption_example(tok, self.caption_of[n], None, L)
                if ex is not None:
                    seqs.append(ex[0]), tgts.append(ex[1]), owner.append(real), kind.append("caption"), info.append(None)
        for _ in range(LUNG_PER_STEP):
            k = self.rng.randrange(len(self.lung_emb))
            ex = caption_example(tok, LUNG_CAPTION, self.lung_facts[k], L)
            if ex is not None:
                seqs.append(ex[0]), tgts.append(ex[1]), owner.append(add(("lung", k), self.lung_emb[k])), kind.append("caption")
                info.append(None)
        emb = torch.stack(embs)
        cache = m.text.image_cache(emb)
        idx = torch.tensor(owner, dtype=torch.long)
        gathered = [(k.index_select(0, idx), v.index_select(0, idx)) for k, v in cache]
        ids, tg = pad_batch(seqs, tgts, torch.device("cpu"))
        logp = torch.log_softmax(m.text(ids, None, gathered), -1)
        mask = tg != -100
        tok_lp = logp.gather(2, tg.clamp(min=0)[..., None])[..., 0] * mask
        seq_lp = tok_lp.sum(1)
        mean_ce = -seq_lp / mask.sum(1).clamp(min=1)
        first = mask.float().argmax(1)  # position predicting the answer's first token
        at = logp[torch.arange(len(seqs)), first]
        z = at[:, self.yes] - at[:, self.no]  # log-softmax differences = logit differences
        yn_mass = torch.logsumexp(at[:, [self.yes, self.no]], -1)

        def mean(v):
            return torch.stack(v).mean() if v else torch.zeros(())
        real_idx = [i for i, k in enumerate(kind) if k == "real" and not info[i].get("organ")]
        organ_idx = [i for i, k in enumerate(kind) if k == "real" and info[i].get("organ")]
        w = torch.tensor([info[i]["weight"] for i in real_idx])
        l_vqa = (mean_ce[real_idx] * w).sum() / w.sum()
        l_org = mean_ce[organ_idx].mean() if organ_idx else torch.zeros(())
        parts = {"blank": [], "neg": [], "yn": []}
        for i, k in enumerate(kind):
            if not isinstance(k, tuple):
                continue
            what, j = k
            ex = info[i]
            if ex["closed_yn"]:
                parts[what].append(ex["weight"] * F.relu(MARGIN_CLOSED - ex["sign"] * (z[j] - z[i])))
                if what == "blank":
                    parts["yn"].append(-yn_mass[i])
            else:
                parts[what].append(F.relu(MARGIN_OPEN - (seq_lp[j] - seq_lp[i])))
        l_blank, l_neg, l_yn = mean(parts["blank"]), mean(parts["neg"]), mean(parts["yn"])
        cap_idx = [i for i, k in enumerate(kind) if k == "caption"]
        l_cap = mean_ce[cap_idx].mean()
        loss = (l_vqa + ORGAN_WEIGHT * l_org + GROUND_WEIGHT * (l_blank + l_neg) + BLANK_YN_WEIGHT * l_yn
                + CAPTION_WEIGHT * l_cap)
        return loss, {"vqa": float(l_vqa), "organ": float(l_org), "blank": float(l_blank), "neg": float(l_neg),
                      "yn": float(l_yn), "caption": float(l_cap), "n_seq": len(seqs)}

    def run(self, minutes: float, val_set: EvalSet) -> dict:
        m = self.model
        for p in m.parameters():
            p.requires_grad_(False)
        params = list(m.text.parameters())
        for p in params:
            p.requires_grad_(True)
        opt = torch.optim.AdamW(params, lr=LR, weight_decay=0.05, betas=(0.9, 0.98))
        clock = StepClock(minutes, self.args.max_steps)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / WARMUP) * 0.5 * (1 + math.cos(math.pi * clock.progress(s))))

        def validate(step):
            v = vqa_figures(m, self.tok, self.rules, val_set, with_other=False)
            score = v["closed"] + v["open"] + v["closed_minus_blank"]
            return {"step": step, "minutes": (time.time() - clock.start) / 60, "score": score,
                    **{k: v[k] for k in ("closed", "open", "closed_blank", "unchanged_closed_blank")}}
        first = validate(0)
        print(json.dumps({"val": first}), flush=True)
        best, best_state, log = first, {k: t.clone() for k, t in m.text.state_dict().items()}, [first]
        step, sums, n_sum = 0, {}, 0
        order: list[str] = []
        next_val = clock.start + self.args.validate_minutes * 60
        while True:
            if len(order) < IMAGES:
                perm = list(self.images)
                self.rng.shuffle(perm)
                order += perm
            batch, order = order[:IMAGES], order[IMAGES:]
            m.train()
            loss, parts = self.step_loss(batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            for k, v in parts.items():
                sums[k] = sums.get(k, 0.0) + v
            n_sum += 1
            done = clock.done(step)
            if step % 20 == 0 or done:
                print(json.dumps({"step": step, "minutes": round((time.time() - clock.start) / 60, 2),
                                  "lr": opt.param_groups[0]["lr"], **{k: round(v / n_sum, 4) for k, v in sums.items()}}),
                      flush=True)
                sums, n_sum = {}, 0
            if done or time.time() >= next_val:
                next_val = time.time() + self.args.validate_minutes * 60
                v = validate(step)
                log.append(v)
                print(json.dumps({"val": v}), flush=True)
                if v["score"] > best["score"]:
                    best, best_state = v, {k: t.clone() for k, t in m.text.state_dict().items()}
            if done:
                break
        for p in m.parameters():
            p.requires_grad_(False)
        m.eval()
        last_state = {k: t.clone() for k, t in m.text.state_dict().items()}
        return {"steps": step, "minutes": (time.time() - clock.start) / 60, "kept": best, "validation_log": log,
                "kept_state": best_state, "last_state": last_state, "last": log[-1]}


def main():
    ap = argparse.ArgumentParser(description="VQA grounding fine-tune experiment (see the module doc)")
    ap.add_argument("--model", default=os.path.join(HERE, "..", "vesalius-vlm-0.3.0"))
    ap.add_argument("--minutes", type=float, default=MINUTES)
    ap.add_argument("--out", default="/tmp/vqaB/folder")
    ap.add_argument("--figures", default="/tmp/vqaB/figures.json")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-organ", dest="organ", action="store_false", help="no image-derived organ questions")
    ap.add_argument("--max-steps", type=int, default=0, help="smoke test: stop after N steps")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--validate-minutes", type=float, default=VALIDATE_MINUTES)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    set_seed(SEED)
    # the same math through MKL-DNN (~5x faster here than Debian's generic BLAS, see model.Linear)
    Linear.conv_path = True
    t_start = time.time()

    def timed(name, fn, *a):
        t = time.time()
        r = fn(*a)
        print(f"[vqa_ground] {name}: {time.time() - t:.0f} s", flush=True)
        return r
    folder = os.path.normpath(args.model)
    model, tok = load_onnx_weights(folder)
    rules = FolderRules.load(folder)
    rules.image_size, rules.max_len = model.dims.image_size, model.dims.max_text_len
    frozen_before = {k: t.clone() for k, t in model.state_dict().items() if not k.startswith("text.")}
    # evaluation sets from the data directory, as evaluate.py reads them
    vqa = datamod.load_vqa(model.dims.image_size)
    val_rows = [r for r in vqa["train"] if r["split"] == "val"]
    test_rows = vqa["test"]
    names = sorted({r["image_name"] for r in val_rows + test_rows})
    units = dict(zip(names, ev.vqa_units(names)))
    val_set = EvalSet(model, rules, val_rows, units)
    test_set = EvalSet(model, rules, test_rows, units)
    refs_all = captions_by_image(vqa["train"] + vqa["test"])
    refs = [refs_all[n] for n in test_set.images]
    lung_units = [hu_to_unit(h, 1.0, 0.0) for h in baselines.load_lung_hu("val")[1]]  # as evaluate.load_lung_val
    before = {"val": timed("val before", vqa_figures, model, tok, rules, val_set),
              "test": timed("test before", vqa_figures, model, tok, rules, test_set),
              "captions": timed("captions before", caption_figures, model, tok, rules, test_set, refs, lung_units)}
    print(json.dumps({"before": before}), flush=True)
    g = timed("training data", Grounder, model, tok, rules, args)
    train_info = g.run(args.minutes, val_set)
    frozen_diff = max(float((model.state_dict()[k] - t).abs().max()) for k, t in frozen_before.items())
    # re-encoded from scratch, as evaluate.py would (the encoder is frozen: same encodings)
    val_set = EvalSet(model, rules, val_rows, units)
    test_set = EvalSet(model, rules, test_rows, units)

    def figures_now(tag):
        r = {"val": timed(f"val {tag}", vqa_figures, model, tok, rules, val_set),
             "test": timed(f"test {tag}", vqa_figures, model, tok, rules, test_set),
             "captions": timed(f"captions {tag}", caption_figures, model, tok, rules, test_set, refs, lung_units)}
        print(json.dumps({tag: r}), flush=True)
        return r
    # the state at the end of the time box, then the one kept by validation (exported) when they differ
    after_last = figures_now("after_last")
    after = after_last
    if train_info["kept"]["step"] != train_info["steps"]:
        model.text.load_state_dict(train_info["kept_state"])
        after = figures_now("after")
    out = {"model": os.path.basename(folder), "command": " ".join(sys.argv), "threads": args.threads,
           "organ_questions": args.organ, "minutes_budget": args.minutes,
           "train_steps": train_info["steps"], "train_minutes": train_info["minutes"],
           "kept_by_val": train_info["kept"], "validation_log": train_info["validation_log"],
           "frozen_max_abs_diff": frozen_diff,
           "n_train_questions": len(g.rows), "n_train_images": len(g.images),
           "settings": {"IMAGES": IMAGES, "MAX_QA": MAX_QA, "VIEWS": VIEWS, "LR": LR, "MARGIN_CLOSED": MARGIN_CLOSED,
                        "MARGIN_OPEN": MARGIN_OPEN, "GROUND_WEIGHT": GROUND_WEIGHT, "BLANK_YN_WEIGHT": BLANK_YN_WEIGHT,
                        "ORGAN_WEIGHT": ORGAN_WEIGHT, "CAPTION_WEIGHT": CAPTION_WEIGHT, "BLANK_LEVELS": BLANK_LEVELS},
           "before": before, "after": after, "after_last": after_last,
           "after_is": "the state kept by validation (exported); after_last: the state at the end of the time box"}
    os.makedirs(os.path.dirname(os.path.abspath(args.figures)), exist_ok=True)
    with open(args.figures, "w") as f:  # written before the export too (a failed export keeps the figures)
        json.dump(out, f, indent=1)
    torch.save(model.text.state_dict(), os.path.splitext(args.figures)[0] + "_text_decoder.pt")
    if not args.no_export:
        Linear.conv_path = False  # export traces the plain matmul path (as train.py exports)
        export_folder(model, tok, os.path.normpath(args.out),
                      {"training": {"vqa_ground": {k: out[k] for k in ("model", "train_steps", "train_minutes",
                                                                        "organ_questions", "kept_by_val")}}})
        out["exported"] = os.path.normpath(args.out)
    out["total_minutes"] = (time.time() - t_start) / 60
    os.makedirs(os.path.dirname(os.path.abspath(args.figures)), exist_ok=True)
    with open(args.figures, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {args.figures}; {out['total_minutes']:.1f} min in all", flush=True)


if __name__ == "__main__":
    main()
