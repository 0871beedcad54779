"""Word-level tokenizer shared by training and export (format: model folder spec, tokenizer.json).

Encoding: lowercase -> regex findall(SPLIT_PATTERN) -> ids (unknown -> <unk>).
Decoding: tokens joined by single spaces, except no space before a punctuation token
(a token that does not start with [a-z0-9]) and none after a joiner ("-", "/", "'"), so
"x-ray" and "t1/t2" read as written.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from typing import Iterable

SPLIT_PATTERN = r"[a-z0-9]+|[^a-z0-9\s]"
SPECIALS = ["<pad>", "<bos>", "<eos>", "<unk>", "<caption>", "<vqa>", "<seg>", "<sep>"]
PAD, BOS, EOS, UNK, CAPTION, VQA, SEG, SEP = range(8)
_SPLIT = re.compile(SPLIT_PATTERN)
_WORDLIKE = re.compile(r"^[a-z0-9]")
JOINERS = ("-", "/", "'")
DECODE_RULE = ("join tokens with single spaces, except no space before a punctuation token "
               "(a token that does not start with [a-z0-9]) and no space after a joiner token "
               "(- / '); special tokens are dropped")


def split_words(text: str) -> list[str]:
    return _SPLIT.findall(text.lower())


class WordTokenizer:
    def __init__(self, vocab: dict[str, int]):
        self.vocab = vocab
        self.inverse = {i: w for w, i in vocab.items()}

    @staticmethod
    def build(texts: Iterable[str], min_count: int = 1) -> "WordTokenizer":
        counts = Counter()
        for t in texts:
            counts.update(split_words(t))
        vocab = {w: i for i, w in enumerate(SPECIALS)}
        # sorted by (-count, word) so the vocabulary is deterministic
        for word, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if c >= min_count and word not in vocab:
                vocab[word] = len(vocab)
        return WordTokenizer(vocab)

    def encode(self, text: str) -> list[int]:
        return [self.vocab.get(w, UNK) for w in split_words(text)]

    def decode(self, ids: Iterable[int]) -> str:
        out = ""
        prev = ""
        for i in ids:
            i = int(i)
            if i in (PAD, BOS, EOS) or i < len(SPECIALS) and i != UNK:
                continue
            tok = self.inverse.get(i, "<unk>")
            if out and (_WORDLIKE.match(tok) or tok == "<unk>") and prev not in JOINERS:
                out += " "
            out += tok
            prev = tok
        return out

    def to_json(self) -> dict:
        return {
            "type": "word-level",
            "lowercase": True,
            "split_pattern": SPLIT_PATTERN,
            "special_tokens": SPECIALS,
            "decode": DECODE_RULE,
            "vocab": self.vocab,
        }

    def save(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump(self.to_json(), f, indent=1)

    @staticmethod
    def load(path: str) -> "WordTokenizer":
        with open(path) as f:
            return WordTokenizer(json.load(f)["vocab"])
