"""Pseudo-RIS crop views: the masked object and its box at three margins, padded square.

View 0 is the image with everything outside the mask replaced by the padding value, cropped to
the mask's box; views 1-3 are the unmasked image cropped to the box enlarged about its centre
by the margins (1.0, 1.1, 1.2 in the paper), clipped to the image. Every crop is padded to a
centred square and resized to the model's input size. All of it happens in the model's
normalised space, so that the crops feed the captioner / scorer directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.transforms import CenterCrop, Normalize, Resize

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
MARGINS = (1.0, 1.0, 1.1, 1.2)  # view 0 is masked, views 1-3 are not
PADS = ("mean_colour", "release")


def input_spec(transform) -> tuple[int, tuple[float, ...], tuple[float, ...]]:
    """``(size, mean, std)`` of an open_clip / torchvision evaluation transform.

    Raises:
        ValueError: the transform has no ``Normalize`` or no resize / crop size.
    """
    parts = getattr(transform, "transforms", [transform])
    norm = next((t for t in parts if isinstance(t, Normalize)), None)
    sized = [t.size for t in parts if isinstance(t, CenterCrop | Resize)]
    if norm is None or not sized:
        raise ValueError(f"input_spec: no Normalize / size in transform {transform!r}")
    size = sized[-1]
    size = size if isinstance(size, int) else size[0]
    return int(size), tuple(map(float, norm.mean)), tuple(map(float, norm.std))


def mask_boxes(masks: torch.Tensor) -> torch.Tensor:
    """``(M, 4)`` float ``x0, y0, x1, y1`` boxes (exclusive ends) of non-empty bool masks."""
    boxes = []
    for m in masks:
        ys, xs = torch.nonzero(m, as_tuple=True)
        if len(ys) == 0:
            raise ValueError("mask_boxes: an empty mask has no box")
        boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
    return torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)


def enlarge(box: Sequence[float], margin: float, h: int, w: int) -> tuple[int, int, int, int]:
    """Integer ``x0, y0, x1, y1`` of ``box`` scaled by ``margin`` about its centre, clipped."""
    x0, y0, x1, y1 = box
    dx, dy = (margin - 1.0) * (x1 - x0) / 2, (margin - 1.0) * (y1 - y0) / 2
    return (
        max(math.floor(x0 - dx + 1e-6), 0),
        max(math.floor(y0 - dy + 1e-6), 0),
        min(math.ceil(x1 + dx - 1e-6), w),
        min(math.ceil(y1 + dy - 1e-6), h),
    )


def pad_square(crop: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """``(3, h, w)`` -> ``(3, s, s)``, ``s = max(h, w)``, centred, padded with ``value (3,)``."""
    _, h, w = crop.shape
    s = max(h, w)
    left, top = (s - w) // 2, (s - h) // 2
    out = value.view(3, 1, 1).expand(3, s, s).clone()
    out[:, top : top + h, left : left + w] = crop
    return out


def crop_views(
    image: np.ndarray | torch.Tensor,
    masks: np.ndarray | torch.Tensor,
    size: int,
    *,
    margins: Sequence[float] = MARGINS,
    mean: Sequence[float] = CLIP_MEAN,
    std: Sequence[float] = CLIP_STD,
    pad: str = "mean_colour",
) -> torch.Tensor:
    """The crop views of every mask of one image, normalised.

    Args:
        image: ``(H, W, 3)`` uint8 RGB.
        masks: bool ``(M, H, W)``, none empty.
        size: output side (the model's input size).
        margins: one per view; the first view is the masked one.
        mean, std: the model's normalisation.
        pad: ``'mean_colour'`` fills outside the mask and the square padding with the mean
            colour (0 after normalisation); ``'release'`` with the mean *vector* written into
            normalised space, as the release does.

    Returns:
        float ``(V, M, 3, size, size)``.
    """
    if pad not in PADS:
        raise ValueError(f"pad: expected one of {PADS}, got {pad!r}")
    img = torch.from_numpy(np.array(image, dtype=np.uint8)).permute(2, 0, 1).float() / 255.0
    img = (img - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)
    masks = torch.as_tensor(np.asarray(masks)).bool()
    h, w = img.shape[1:]
    value = torch.zeros(3) if pad == "mean_colour" else torch.tensor(mean)
    boxes = mask_boxes(masks)
    views = []
    for v, margin in enumerate(margins):
        crops = []
        for m, box in zip(masks, boxes.tolist(), strict=True):
            src = torch.where(m, img, value.view(3, 1, 1)) if v == 0 else img
            x0, y0, x1, y1 = enlarge(box, margin, h, w)
            square = pad_square(src[:, y0:y1, x0:x1], value)[None]
            crops.append(F.interpolate(square, size=(size, size), mode="bilinear")[0])
        views.append(torch.stack(crops) if crops else torch.zeros(0, 3, size, size))
    return torch.stack(views)
