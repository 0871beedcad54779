"""Inference rules shared by training (validation) and evaluation — the Python side of the
interface the app's model.ts follows (model folder layout 0.3):

  * greedy decoding exactly as the runtime does it (re-run the decoder on the growing sequence,
    no KV cache), with the answer's probability = product of the softmax probabilities of each
    greedy token INCLUDING the final <eos> (or of the tokens generated if the budget ran out);
  * questions: words = tokens of the tokenizer's split that contain a letter or a digit; more
    than max_question_tokens words -> QuestionError "too_long" (never truncated); more than
    max_unknown_fraction of the words out of vocabulary -> QuestionError "unreadable"; no words
    -> QuestionError "empty";
  * captions: when the header's modality is known, the decoder input is <bos> <caption> followed
    by the words of the known caption_prefix_slots, each followed by ",", stopping at the first
    unknown slot; the returned caption includes the forced words;
  * segmentation prompts: exact match (trimmed, lower-cased) against the declared list, else
    PromptError naming the supported prompts;
  * images: preprocess.fit_unit ("fit": "pad" keeps the aspect ratio); masks come back by
    cropping the content [0:ch, 0:cw] and resizing it bilinearly to the image size; a presence
    probability below presence_threshold empties the mask.
Model folders without a field (0.2.0) get the 0.2.0 behaviour for that feature.
"""
from __future__ import annotations

import inspect
import re

import numpy as np
import torch
import torch.nn.functional as F

from header_facts import header_ids  # the header rule's one Python definition (M1)
from preprocess import fit_unit, normalise
from tokenizer import BOS, EOS, CAPTION, PAD, VQA, SEG, SEP, WordTokenizer, split_words

UNKNOWN = "<unk>"
_HAS_ALNUM = re.compile(r"[a-z0-9]")


# ---- model folder settings ---------------------------------------------------------------------

class FolderRules:
    """The inference settings of one model folder (config.json + preprocessor_config.json), with
    the 0.2.0 behaviour wherever a 0.3 field is absent."""

    def __init__(self, config: dict, preprocessor: dict):
        self.config = config
        self.image_size = int(config["image_size"])
        self.max_len = int(config["max_text_len"])
        self.max_answer_tokens = int(config.get("max_answer_tokens", 8))
        self.max_caption_tokens = int(config.get("max_caption_tokens", 40))
        self.segment_prompts = list(config.get("segment_prompts", []))
        self.mask_threshold = float(config.get("mask_threshold", 0.5))
        self.presence_threshold = config.get("presence_threshold")
        self.header_fusion = config.get("header_fusion")
        self.caption_prefix_slots = list(config.get("caption_prefix_slots", []))
        self.vqa = config.get("vqa")
        self.answer_uncertain_below = config.get("answer_uncertain_below")
        self.fit = preprocessor.get("fit", "stretch")
        # a mask refiner's resolution (config.json mask_size); None = masks at image_size
        self.mask_size = int(config["mask_size"]) if config.get("mask_size") else None
        self.has_embeddings = "embeddings" in config and "image_embed" in config.get("files", {})

    @staticmethod
    def load(folder: str) -> "FolderRules":
        import json
        import os
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        with open(os.path.join(folder, "preprocessor_config.json")) as f:
            pre = json.load(f)
        return FolderRules(cfg, pre)

    def header_ids_of(self, facts: dict | None) -> list[int] | None:
        """header_ids for the encoder ([4] ints in `slots` order; None when the folder has no
        header fusion). facts None (not DICOM) -> all zeros. A value not in the folder's list for
        its slot -> 0 (the interface's rule; header_facts.header_ids implements it)."""
        if not self.header_fusion:
            return None
        slots = self.header_fusion["slots"]
        if facts is None:
            return [0] * len(slots)
        return list(header_ids(facts, self.header_fusion["values"], slots))


# ---- questions ---------------------------------------------------------------------------------

class QuestionError(ValueError):
    """A question the model refuses to answer. kind: "empty" | "too_long" | "unreadable"."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def question_words(question: str) -> list[str]:
    """The tokenizer's split, keeping the tokens that contain a letter or a digit."""
    return [w for w in split_words(question) if _HAS_ALNUM.search(w)]


def check_question(tok: WordTokenizer, question: str, max_question_tokens: int,
                   max_unknown_fraction: float) -> None:
    """Raises QuestionError with the interface's message when the question may not be answered."""
    words = question_words(question)
    if not words:
        raise QuestionError("empty", "the question is empty: it has no words")
    if len(words) > max_question_tokens:
        raise QuestionError("too_long", f"the question is too long: {len(words)} words; "
                                        f"the model reads at most {max_question_tokens}")
    unknown = [w for w in words if w not in tok.vocab]
    if len(unknown) / len(words) > max_unknown_fraction:
        first = ", ".join(unknown[:3])
        raise QuestionError("unreadable", f"could not read the question: {len(unknown)} of {len(words)} "
                                          f"words are not in the model's vocabulary (first ones: {first})")


def vqa_prefix(tok: WordTokenizer, question: str, max_len: int) -> list[int]:
    """<bos> <vqa> question <sep>. Training's form: cuts the question to fit max_len; inference
    calls checked_vqa_prefix, which refuses instead of cutting."""
    q = tok.encode(question)[: max_len - 12]
    return [BOS, VQA] + q + [SEP]


def checked_vqa_prefix(tok: WordTokenizer, question: str, rules: FolderRules) -> list[int]:
    """The decoder input of a question under the folder's question rules (QuestionError when
    refused). A folder without "vqa" (0.2.0) keeps its silent cut (its own behaviour)."""
    if rules.vqa is None:
        return vqa_prefix(tok, question, rules.max_len)
    check_question(tok, question, int(rules.vqa["max_question_tokens"]),
                   float(rules.vqa["max_unknown_fraction"]))
    return [BOS, VQA] + tok.encode(question) + [SEP]


# ---- captions ----------------------------------------------------------------------------------

def forced_caption_words(facts: dict | None, prefix_slots: list[str]) -> list[str]:
    """The words the caption is forced to start with: the known prefix slots in order, each
    followed by ",", stopping at the first unknown one; nothing unless the modality is known."""
    if not facts or not prefix_slots or facts.get("modality", UNKNOWN) == UNKNOWN:
        return []
    words: list[str] = []
    for slot in prefix_slots:
        value = facts.get(slot, UNKNOWN)
        if value == UNKNOWN:
            break
        words += [value, ","]
    return words


def caption_prefix(tok: WordTokenizer | None = None, facts: dict | None = None,
                   prefix_slots: list[str] | None = None) -> list[int]:
    """<bos> <caption> [forced header words]; with no arguments the plain 0.2.0 prefix."""
    forced: list[int] = []
    if tok is not None:
        for w in forced_caption_words(facts, prefix_slots or []):
            forced += tok.encode(w)
    return [BOS, CAPTION] + forced


# ---- segmentation prompts ----------------------------------------------------------------------

class PromptError(ValueError):
    pass


def check_prompt(prompt: str, supported: list[str]) -> str:
    """The declared prompt a user's text names (trimmed, lower-cased, exact), else PromptError."""
    p = prompt.strip().lower()
    if p not in supported:
        raise PromptError(f'unknown prompt "{prompt.strip()}"; this model segments: {", ".join(supported)}')
    return p


def seg_prompt(tok: WordTokenizer, prompt: str) -> list[int]:
    return [BOS, SEG] + tok.encode(prompt)


# ---- graphs ------------------------------------------------------------------------------------

def _encoder_takes_header(model) -> bool:
    return "header_ids" in inspect.signature(model.encoder.forward).parameters


@torch.no_grad()
def encode(model, pixel_values: torch.Tensor, header_ids: torch.Tensor | None = None):
    """(image_embeds, pixel_features) of normalised pixel_values [B,1,S,S]; header_ids [B,4]
    int64 for a header-fused encoder (zeros = nothing known when None)."""
    if _encoder_takes_header(model):
        if header_ids is None:
            header_ids = torch.zeros(pixel_values.shape[0], 4, dtype=torch.long, device=pixel_values.device)
        out = model.encoder(pixel_values, header_ids=header_ids.to(pixel_values.device))
    else:
        out = model.encoder(pixel_values)
    return out[0], out[1]


def hires_pixels(rules: FolderRules, units: list[np.ndarray], blank: bool = False):
    """(pixel_values_hires [B,1,R,R], content box at R) of [0,1] images of one size, for a folder
    with a mask refiner (the image preprocessed again at mask_size R); None without one.
    blank: all zeros, as the blanked-image baseline feeds the encoder."""
    if rules.mask_size is None:
        return None
    fitted = [fit_unit(u, rules.mask_size, rules.fit) for u in units]
    x = torch.cat([t for t, _ in fitted])
    return (torch.zeros_like(x) if blank else normalise(x)), fitted[0][1]


def _has_refiner(model) -> bool:
    return getattr(model.mask, "refiner", None) is not None


@torch.no_grad()
def mask_outputs(model, prompt_ids: list[int], image_embeds, pixel_features, pixel_values_hires=None):
    """(mask_logits [B,1,S,S] — [B,1,R,R] with a refiner and pixel_values_hires —, presence
    probability [B] or None when the model has no presence head)."""
    b = image_embeds.shape[0]
    ids = torch.tensor([prompt_ids] * b, dtype=torch.long, device=image_embeds.device)
    out = model.mask(ids, image_embeds, pixel_features, pixel_values_hires)
    if isinstance(out, (tuple, list)):
        logits, presence = out[0], out[1]
        return logits, torch.sigmoid(presence.reshape(b))
    return out, None


def _hw(out_size):
    """F.interpolate's size: an int (square) or an (H, W) tuple (a numpy shape becomes one)."""
    return out_size if isinstance(out_size, int) else tuple(out_size)


def _app_logits(model, prompt_ids, image_embeds, pixel_features, content, hires):
    """The logits the app maps back, with the content box at their resolution: S x S, or R x R for
    a model with a refiner (which must then get hires = hires_pixels(...))."""
    if _has_refiner(model):
        if hires is None:
            raise ValueError("this model has a mask refiner: pass hires=hires_pixels(rules, units)")
        logits, presence = mask_outputs(model, prompt_ids, image_embeds, pixel_features, hires[0])
        return logits, presence, hires[1]
    logits, presence = mask_outputs(model, prompt_ids, image_embeds, pixel_features)
    return logits, presence, content


@torch.no_grad()
def mask_probs(model, prompt_ids: list[int], image_embeds, pixel_features, out_size,
               content: tuple[int, int] | None = None, hires=None) -> torch.Tensor:
    """Probabilities [B,H,W] at out_size: the content [0:ch, 0:cw] of the S x S (R x R) output (all
    of it when content is None) resized bilinearly (align_corners=False), as the runtime does."""
    logits, _, content = _app_logits(model, prompt_ids, image_embeds, pixel_features, content, hires)
    p = torch.sigmoid(logits)
    if content is not None:
        p = p[:, :, :content[0], :content[1]]
    return F.interpolate(p, size=_hw(out_size), mode="bilinear", align_corners=False)[:, 0]


@torch.no_grad()
def predict_masks(model, rules: FolderRules, prompt_ids: list[int], image_embeds, pixel_features,
                  out_size, content: tuple[int, int] | None = None,
                  hires=None) -> tuple[np.ndarray, list[bool], list[float | None]]:
    """Binary masks [B,H,W] as the app returns them: probability >= mask_threshold, all empty where
    the presence probability is below presence_threshold; (masks, present, presence probability).
    content: the box at S; hires: hires_pixels(rules, units) for a model with a mask refiner."""
    logits, presence, content = _app_logits(model, prompt_ids, image_embeds, pixel_features, content, hires)
    p = torch.sigmoid(logits)
    if content is not None:
        p = p[:, :, :content[0], :content[1]]
    p = F.interpolate(p, size=_hw(out_size), mode="bilinear", align_corners=False)[:, 0]
    masks = (p >= rules.mask_threshold).cpu().numpy()
    b = masks.shape[0]
    if presence is None:
        return masks, [True] * b, [None] * b
    if rules.presence_threshold is None:
        return masks, [True] * b, [float(v) for v in presence]
    present = [float(v) >= float(rules.presence_threshold) for v in presence]
    for i, ok in enumerate(present):
        if not ok:
            masks[i] = False
    return masks, present, [float(v) for v in presence]


# ---- decoding ----------------------------------------------------------------------------------

@torch.no_grad()
def greedy_generate_scored(model, image_embeds: torch.Tensor, prefixes: list[list[int]], max_new: int,
                           max_len: int, batch: int = 128) -> list[tuple[list[int], float]]:
    """Greedy tokens (without the final <eos>) and the sequence probability of each prefix:
    the product of the softmax probabilities of every greedy token, <eos> included, or of the
    tokens generated when the budget (max_new, or max_len tokens in all) ran out.
    image_embeds [N,P,D] (row i for prefix i).

    Prefixes of any lengths share a batch: each row sits right-padded in one [B, W] array and its
    next token is read at its own last position. The decoder is causal, so the padding after a
    row's last token cannot change that row's logits (and positions are absolute), which makes
    this the same computation as running each prefix alone."""
    out: list[tuple[list[int], float]] = [([], 1.0) for _ in prefixes]
    dev = image_embeds.device
    order = sorted(range(len(prefixes)), key=lambda k: len(prefixes[k]))  # similar widths together
    for c in range(0, len(order), batch):
        idx = order[c:c + batch]
        b = len(idx)
        lens = torch.tensor([len(prefixes[k]) for k in idx], dtype=torch.long, device=dev)
        seq = torch.full((b, int(lens.max()) + max_new), PAD, dtype=torch.long, device=dev)
        for row, k in enumerate(idx):
            seq[row, :len(prefixes[k])] = torch.tensor(prefixes[k], dtype=torch.long)
        cur = lens.clone()
        done = cur >= max_len  # no room left: nothing generated
        log_p = torch.zeros(b, dtype=torch.float64, device=dev)
        cache = model.text.image_cache(image_embeds[idx])
        rows = torch.arange(b, device=dev)
        for _ in range(max_new):
            if bool(done.all()):
                break
            active = ~done
            width = int(cur[active].max())
            logits = model.text(seq[:, :width], None, cache)[rows, (cur - 1).clamp(max=width - 1)]
            nxt = logits.argmax(-1)
            step_log_p = torch.log_softmax(logits.double(), -1).gather(1, nxt[:, None])[:, 0]
            log_p = log_p + torch.where(active, step_log_p, torch.zeros_like(step_log_p))
            seq[rows[active], cur[active]] = nxt[active]
            cur = cur + active.long()
            done = done | (active & (nxt == EOS)) | (cur >= max_len)
        for row, k in enumerate(idx):
            gen = seq[row, len(prefixes[k]):int(cur[row])].tolist()
            out[k] = (gen[: gen.index(EOS)] if EOS in gen else gen, float(torch.exp(log_p[row])))
    return out


@torch.no_grad()
def greedy_generate(model, image_embeds: torch.Tensor, prefixes: list[list[int]], max_new: int,
                    max_len: int) -> list[list[int]]:
    """greedy_generate_scored's tokens only."""
    return [g for g, _ in greedy_generate_scored(model, image_embeds, prefixes, max_new, max_len)]

