"""Inference helpers shared by training (validation) and evaluation: greedy decoding exactly
as the runtime does it (re-run the decoder on the growing sequence, no KV cache) and mask
probabilities resized to the original image size."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from tokenizer import BOS, EOS, CAPTION, VQA, SEG, SEP, WordTokenizer


def vqa_prefix(tok: WordTokenizer, question: str, max_len: int) -> list[int]:
    q = tok.encode(question)[: max_len - 12]
    return [BOS, VQA] + q + [SEP]


def caption_prefix() -> list[int]:
    return [BOS, CAPTION]


def seg_prompt(tok: WordTokenizer, prompt: str) -> list[int]:
    return [BOS, SEG] + tok.encode(prompt)


@torch.no_grad()
def greedy_generate(model, image_embeds: torch.Tensor, prefixes: list[list[int]], max_new: int,
                    max_len: int) -> list[list[int]]:
    """image_embeds [N,P,D] (row i for prefix i). Prefixes of equal length run as one batch."""
    out: list[list[int]] = [[] for _ in prefixes]
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(prefixes):
        groups.setdefault(len(p), []).append(i)
    dev = image_embeds.device
    for _, idx in sorted(groups.items()):
        seq = torch.tensor([prefixes[i] for i in idx], dtype=torch.long, device=dev)
        cache = model.text.image_cache(image_embeds[idx])
        done = torch.zeros(len(idx), dtype=torch.bool, device=dev)
        for _ in range(max_new):
            if seq.shape[1] >= max_len:
                break
            logits = model.text(seq, None, cache)[:, -1]
            nxt = logits.argmax(-1)
            nxt = torch.where(done, torch.full_like(nxt, EOS), nxt)
            seq = torch.cat([seq, nxt[:, None]], 1)
            done = done | (nxt == EOS)
            if bool(done.all()):
                break
        for row, i in enumerate(idx):
            gen = seq[row, len(prefixes[i]):].tolist()
            out[i] = gen[: gen.index(EOS)] if EOS in gen else gen
    return out


@torch.no_grad()
def mask_probs(model, prompt_ids: list[int], image_embeds, pixel_features, out_size) -> torch.Tensor:
    """Probabilities [B,H,W] resized bilinearly (align_corners=False) to out_size, as the runtime does."""
    b = image_embeds.shape[0]
    ids = torch.tensor([prompt_ids] * b, dtype=torch.long, device=image_embeds.device)
    logits = model.mask(ids, image_embeds, pixel_features)
    p = torch.sigmoid(logits)
    return F.interpolate(p, size=out_size, mode="bilinear", align_corners=False)[:, 0]
