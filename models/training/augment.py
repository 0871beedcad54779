"""Seeding and the training-time augmentations shared by both stages (contrastive.py, train.py)."""
from __future__ import annotations

import math
import random

import numpy as np
import torch
import torch.nn.functional as F

from preprocess import MEAN, STD


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)


def random_affine(x: torch.Tensor, gen: torch.Generator, rot: float, scale: float, shift: float,
                  extra: torch.Tensor | None = None):
    """Same random affine for x [B,C,H,W] and extra (targets); bilinear, zero padding (the
    unit-range image's own minimum: 0 = air / black, and the "pad" canvas value)."""
    b = x.shape[0]
    r = lambda: torch.rand(b, generator=gen) * 2 - 1  # noqa: E731
    ang = r() * math.radians(rot)
    sc = 1 + r() * scale
    tx, ty = r() * shift * 2, r() * shift * 2
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1).to(x.device)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    xo = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    eo = None
    if extra is not None:
        eo = F.grid_sample(extra, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return xo, eo


def intensity_jitter(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Contrast 0.9-1.1 and offset +-0.05 on the [0,1] scale, clipped to [0,1]."""
    b = x.shape[0]
    c = (1 + (torch.rand(b, generator=gen) * 2 - 1) * 0.1).to(x.device).view(b, 1, 1, 1)
    o = ((torch.rand(b, generator=gen) * 2 - 1) * 0.05).to(x.device).view(b, 1, 1, 1)
    return (x * c + o).clamp(0, 1)


def normalise(unit: torch.Tensor) -> torch.Tensor:
    return (unit - MEAN) / STD
