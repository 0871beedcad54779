"""The classical lung-mask baseline of issue 12, scored beside the model in evaluate.py.

On one axial CT slice in HU (full resolution, no resize):
  1. air = HU < threshold (default -250);
  2. air connected (8-connectivity) to the image border is removed (outside the body, and the
     table's gaps);
  3. the two largest remaining components are kept (the lungs; trachea / bowel gas are smaller);
  4. holes inside them are filled (vessels, nodules);
  5. a binary closing with a disk of `closing_radius` px (default 4; the image is zero-padded
     first so the border does not erode the mask).
Settings are chosen on lung-ct `train` only (`choose_settings`: mean IoU over the 187 train
slices for every threshold x radius of a small grid; ties -> the earlier grid entry); `val` is
never looked at to choose them.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

EIGHT = np.ones((3, 3), bool)
THRESHOLDS = (-400, -350, -300, -250, -200)
CLOSING_RADII = (0, 2, 4, 6)
ISSUE_SETTINGS = {"threshold_hu": -250, "closing_radius": 4}


def components_mask(hu: np.ndarray, threshold_hu: float) -> np.ndarray:
    """Steps 1-4: air below the threshold, border-connected air removed, the two largest
    components, holes filled."""
    air = hu < threshold_hu
    labels, n = ndi.label(air, EIGHT)
    if n == 0:
        return np.zeros(hu.shape, bool)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    inside = air.copy()
    inside[np.isin(labels, border[border > 0])] = False
    labels, n = ndi.label(inside, EIGHT)
    if n == 0:
        return np.zeros(hu.shape, bool)
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    sizes[0] = 0
    keep = np.zeros(n + 1, bool)
    keep[np.argsort(-sizes, kind="stable")[:2]] = True
    keep[0] = False
    return ndi.binary_fill_holes(keep[labels])


def closing(mask: np.ndarray, radius: int) -> np.ndarray:
    """Step 5: binary closing with the disk {x² + y² <= r²}, through exact Euclidean distance
    transforms (dilation = within r of the mask; erosion = farther than r from the outside of
    the dilation). The image is padded by r + 1 so the border never erodes the mask."""
    if radius <= 0 or not mask.any():
        return mask
    # only the mask's bounding box grown by 2r + 1 can change: work on that crop (same result)
    ys, xs = np.nonzero(mask)
    g = 2 * radius + 1
    y0, y1 = max(ys.min() - g, 0), min(ys.max() + g + 1, mask.shape[0])
    x0, x1 = max(xs.min() - g, 0), min(xs.max() + g + 1, mask.shape[1])
    p = radius + 1
    padded = np.pad(mask[y0:y1, x0:x1], p)
    dilated = ndi.distance_transform_edt(~padded) <= radius
    closed = ndi.distance_transform_edt(dilated) > radius
    out = np.zeros_like(mask)
    out[y0:y1, x0:x1] = closed[p:-p, p:-p]
    return out


def lung_mask(hu: np.ndarray, threshold_hu: float = -250, closing_radius: int = 4) -> np.ndarray:
    """Boolean lung mask of a 2-D HU array (steps 1-5 of the module docstring)."""
    return closing(components_mask(hu, threshold_hu), closing_radius)


def choose_settings(hu_slices: list[np.ndarray], truths: list[np.ndarray], iou_fn) -> dict:
    """Grid search on the given (train) slices; returns the best setting and the whole grid."""
    grid = []
    for t in THRESHOLDS:
        base = [components_mask(h, t) for h in hu_slices]  # steps 1-4 once per threshold
        for r in CLOSING_RADII:
            ious = [iou_fn(closing(b, r), m) for b, m in zip(base, truths)]
            grid.append({"threshold_hu": t, "closing_radius": r,
                         "train_mean_iou": float(np.mean([v for v in ious if v is not None]))})
    best = max(grid, key=lambda g: g["train_mean_iou"])  # max keeps the first of equal scores
    return {"chosen": {"threshold_hu": best["threshold_hu"], "closing_radius": best["closing_radius"]},
            "train_mean_iou": best["train_mean_iou"], "grid": grid,
            "rule": "mean IoU over lung-ct train (187 slices, full 512 resolution); val never used"}
