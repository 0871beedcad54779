"""Seeding and the training-time augmentations shared by both stages (contrastive.py, train.py)."""
from __future__ import annotations

import math
import random

import numpy as np
import torch
import torch.nn.functional as F

from preprocess import HU_MAX, HU_MIN, MEAN, STD


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


HU_SPAN = HU_MAX - HU_MIN  # HU per unit of a HU image (preprocess.hu_to_unit)


def fill_lungs(x: torch.Tensor, lung: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """A CT slice without lung, made from one with lung: the lung mask (dilated by 3 px, so no dark
    rim is left) filled with soft tissue (20-60 HU per image, noise sd 15 HU). x [B,1,S,S] in HU
    units of [0,1] (preprocess.hu_to_unit); lung [B,1,S,S] in {0,1}. Used as a "no lung" example
    in the HU domain, where the only real negatives are a handful of DICOM files."""
    b = x.shape[0]
    grown = F.max_pool2d(lung.float(), kernel_size=7, stride=1, padding=3) > 0.5
    hu = 20 + torch.rand(b, generator=gen) * 40
    level = ((hu - HU_MIN) / HU_SPAN).to(x.device).view(b, 1, 1, 1)
    noise = torch.randn(x.shape, generator=gen).to(x.device) * (15 / HU_SPAN)
    return torch.where(grown, (level + noise).clamp(0, 1), x)

