"""Build models/tiny-random: the same architecture with tiny dims and random weights (seed 0).

It needs no data: the vocabulary is a fixed word list (every header slot value among it). Layout
0.3: header fusion (image_encoder.onnx input header_ids), the presence head (mask_decoder.onnx
output presence_logits), "fit": "pad", the contrastive graphs. Used by fast runtime tests only.
Usage: /usr/bin/python3 models/training/make_tiny.py [--refiner OUT]
  --refiner OUT: the same tiny model with a mask refiner (mask_size 128: mask_decoder.onnx takes
  pixel_values_hires [B,1,128,128] and returns mask_logits at 128 x 128), written to OUT.
"""
from __future__ import annotations

import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import ModelDims, VesaliusVLM  # noqa: E402
from tokenizer import WordTokenizer  # noqa: E402
from export import export_folder, VERSION  # noqa: E402
from header_facts import SLOTS, VALUES  # noqa: E402

WORDS = ("lung left right is there a an the pneumothorax ? yes no ct mri x ray axial coronal "
         "sagittal chest head abdomen . , - what where normal abnormal fracture mass effusion "
         "clear brain liver kidney heart ultrasound pelvis spine neck extremity contrast")
TINY_VERSION = f"{VERSION}-tiny"


def build_tiny(mask_size: int = 0) -> tuple[VesaliusVLM, WordTokenizer]:
    torch.manual_seed(0)
    tok = WordTokenizer.build([WORDS])
    dims = ModelDims(image_size=64, hidden_size=32, num_heads=2, encoder_layers=1, decoder_layers=1,
                     mask_layers=1, stem_channels=(8, 8, 16), pixel_feature_channels=8,
                     mask_channels=(8, 8, 8), max_text_len=32, vocab_size=len(tok.vocab), mlp_ratio=2,
                     embed_dim=16, text_encoder_layers=1,
                     header_vocab=tuple(len(VALUES[s]) for s in SLOTS), presence_head=True,
                     mask_size=mask_size, refine_channels=4)
    model = VesaliusVLM(dims)
    # random init leaves tiny outputs near zero; a larger spread makes parity tests meaningful
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.mul_(2.0)
        if model.mask.refiner is not None:  # its last conv starts at zero (identity): not here
            model.mask.refiner.out.weight.normal_(0.0, 0.5)
    return model, tok


if __name__ == "__main__":
    refiner = len(sys.argv) == 3 and sys.argv[1] == "--refiner"
    model, tok = build_tiny(128 if refiner else 0)
    out = sys.argv[2] if refiner else os.path.join(HERE, "..", "tiny-random")
    export_folder(model, tok, os.path.normpath(out),
                  # test_only: the app leaves the folder out of its model picker (the CLI lists it, marked)
                  {"note": "random weights (torch.manual_seed(0)), for tests only; outputs are meaningless",
                   "test_only": True},
                  version=TINY_VERSION)
    print(f"tiny-random: {model.num_parameters()} parameters -> {os.path.normpath(out)}")
