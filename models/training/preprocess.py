"""Fixed image preprocessing, shared by training, evaluation and export.

Order (model folder spec): map to [0,1] at native resolution FIRST, then fit into S x S
(bilinear, align_corners=False, no antialias), then (x - mean) / std everywhere.
  fit "stretch" (0.2.0; no "fit" field): resized to S x S, aspect ratio NOT kept.
  fit "pad" (layout 0.3): scale = S / max(w, h); content ch x cw = max(1, round_half_up(h*scale))
         x max(1, round_half_up(w*scale)), resized to that size and placed at the TOP-LEFT of an
         S x S canvas of 0 (before normalisation, so padding becomes (0 - mean) / std).
         Masks come back the inverse way: crop [0:ch, 0:cw], bilinear to h x w.
  ct:    HU = stored * slope + intercept (float32), clipped to [hu_min, hu_max],
         x = (HU - hu_min) / (hu_max - hu_min). Never the file's display window.
  gray8: x = value / 255. RGB is first converted to luminance 0.299 R + 0.587 G + 0.114 B
         (float32, before dividing by 255).
All arithmetic is float32. The resize's exact arithmetic (what a port must reproduce to 1e-6) is
spelled out in preprocessor_config.json "resize_arithmetic": the float32 scale in/out is used
with a float64 source coordinate.
"""
from __future__ import annotations

import json
import math

import numpy as np
import torch
import torch.nn.functional as F

HU_MIN = -1024.0
HU_MAX = 1024.0
MEAN = 0.3
STD = 0.25
LUMA = (0.299, 0.587, 0.114)


def hu_to_unit(raw: np.ndarray, slope: float = 1.0, intercept: float = 0.0) -> np.ndarray:
    hu = raw.astype(np.float32) * np.float32(slope) + np.float32(intercept)
    hu = np.clip(hu, np.float32(HU_MIN), np.float32(HU_MAX))
    return ((hu - np.float32(HU_MIN)) / np.float32(HU_MAX - HU_MIN)).astype(np.float32)


def gray8_to_unit(raw: np.ndarray) -> np.ndarray:
    v = raw.astype(np.float32)
    if v.ndim == 3:
        if v.shape[2] not in (3, 4):
            raise ValueError(f"gray8 image must be [H,W] or [H,W,3|4], got {v.shape}")
        v = v[..., 0] * np.float32(LUMA[0]) + v[..., 1] * np.float32(LUMA[1]) + v[..., 2] * np.float32(LUMA[2])
    return (v / np.float32(255.0)).astype(np.float32)


def resize_unit(unit: np.ndarray, size: int) -> torch.Tensor:
    """[H,W] float32 in [0,1] -> [1,1,S,S] float32 (bilinear, align_corners=False, no antialias)."""
    t = torch.from_numpy(np.ascontiguousarray(unit, dtype=np.float32))[None, None]
    return F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False, antialias=False)


def round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def content_size(h: int, w: int, size: int, fit: str = "stretch") -> tuple[int, int]:
    """(ch, cw): the image's extent on the S x S canvas ("stretch": all of it)."""
    if fit == "stretch":
        return size, size
    if fit != "pad":
        raise ValueError(f'unknown preprocessor "fit": {fit!r} (expected "pad" or "stretch")')
    scale = size / max(w, h)
    return max(1, round_half_up(h * scale)), max(1, round_half_up(w * scale))


def fit_unit(unit: np.ndarray, size: int, fit: str = "stretch") -> tuple[torch.Tensor, tuple[int, int]]:
    """[H,W] float32 in [0,1] -> ([1,1,S,S] float32 in [0,1], (ch, cw)); see the module doc."""
    h, w = unit.shape
    ch, cw = content_size(h, w, size, fit)
    t = torch.from_numpy(np.ascontiguousarray(unit, dtype=np.float32))[None, None]
    content = F.interpolate(t, size=(ch, cw), mode="bilinear", align_corners=False, antialias=False)
    if (ch, cw) == (size, size):
        return content, (ch, cw)
    canvas = torch.zeros(1, 1, size, size, dtype=torch.float32)
    canvas[:, :, :ch, :cw] = content
    return canvas, (ch, cw)


def normalise(t: torch.Tensor) -> torch.Tensor:
    return (t - MEAN) / STD


def preprocess_hu(raw, size, slope=1.0, intercept=0.0, fit: str = "stretch") -> torch.Tensor:
    return normalise(fit_unit(hu_to_unit(raw, slope, intercept), size, fit)[0])


def preprocess_gray8(raw, size, fit: str = "stretch") -> torch.Tensor:
    return normalise(fit_unit(gray8_to_unit(raw), size, fit)[0])


FIT_NOTES = {
    "stretch": "the image is stretched to S x S, aspect ratio is NOT kept",
    "pad": ("aspect ratio kept: scale = S / max(w, h); ch = max(1, floor(h * scale + 0.5)), "
            "cw = max(1, floor(w * scale + 0.5)); the [0,1] image is resized (this kernel) from h x w to "
            "ch x cw and placed at the TOP-LEFT of an S x S canvas of 0, then (v - mean) / std everywhere "
            "(padding included). Masks: probabilities at S x S cropped to [0:ch, 0:cw], resized bilinear "
            "(align_corners=False) to h x w, then thresholded"),
}


def preprocessor_config(size: int, fit: str = "stretch") -> dict:
    cfg = {
        "image_size": size,
        "resize": "bilinear_align_corners_false",
        "resize_note": ("torch.nn.functional.interpolate(mode='bilinear', align_corners=False, "
                        "antialias=False) on float32 [1,1,H,W]; " + FIT_NOTES[fit]),
        "resize_arithmetic": ("per axis (PyTorch 1.13 CPU, verified against it to 1.2e-7): "
                              "scale = float32(float32(in_size) / float32(out_size)); for output index i: "
                              "src = max(0, scale * (i + 0.5) - 0.5) evaluated in float64 with that float32 scale; "
                              "i0 = floor(src); i1 = min(i0 + 1, in_size - 1); lambda1 = float32(src - i0); "
                              "lambda0 = float32(1 - lambda1); out = lambda0_h * (lambda0_w * x[i0h,i0w] + "
                              "lambda1_w * x[i0h,i1w]) + lambda1_h * (lambda0_w * x[i1h,i0w] + lambda1_w * x[i1h,i1w]) "
                              "in float32. Computing scale as an exact in/out ratio differs by up to ~3e-5."),
        "order": ["to_unit_range_at_native_resolution", "resize", "normalise"],
        "ct": {"source": "hu", "hu_min": HU_MIN, "hu_max": HU_MAX,
               "note": "HU = stored * RescaleSlope + RescaleIntercept, clipped to [hu_min, hu_max], "
                       "scaled to [0,1]; never the file's display window"},
        "gray8": {"scale": 255, "rgb_to_gray": list(LUMA),
                  "note": "8-bit value / 255; RGB first to luminance 0.299R+0.587G+0.114B"},
        "mean": MEAN,
        "std": STD,
        "output": "pixel_values float32 [B,1,S,S] = (x - mean) / std",
    }
    if fit != "stretch":  # absent = "stretch", so 0.2.0 folders stay as they were
        cfg["fit"] = fit
    return cfg


def write_preprocessor_config(path: str, size: int, fit: str = "stretch") -> None:
    with open(path, "w") as f:
        json.dump(preprocessor_config(size, fit), f, indent=1)
