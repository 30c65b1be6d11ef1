"""Conversions between masks, contour points, polygons and coordinate tokens (SeqTR).

SeqTR (Zhu et al., ECCV 2022, https://arxiv.org/abs/2203.16265) represents a referred mask as
a sequence of at most N contour points and each point as two quantised coordinate tokens.
This module holds the exact, tested conversions:

- :func:`mask_to_contour_points`: mask (H, W) -> (N, 2) float points, -1 padded.
- :func:`points_to_mask`: points -> polygon -> mask (pycocotools rasterisation).
- :func:`points_to_tokens` / :func:`tokens_to_points`: points <-> ``relative`` tokens
  (coordinate / padded side * num_bins, clamped to [0, num_bins - 1]; END = num_bins;
  -1 padded points become END tokens).
- :func:`box_to_tokens` / :func:`tokens_to_box`: xyxy box <-> 4 tokens.

Mask <-> RLE / polygon helpers live in :mod:`risseg.utils.masks`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
import torch
from torch import Tensor

from risseg.utils.masks import polygons_to_mask

PAD_VALUE = -1.0


def largest_external_contour(mask: np.ndarray) -> np.ndarray:
    """The largest external contour of a binary mask, without approximation.

    Args:
        mask: (H, W) bool or {0, 1} array.

    Returns:
        (P, 2) int array of x, y pixel coordinates in OpenCV's order; (0, 2) when the mask is
        empty.
    """
    mask = np.ascontiguousarray(mask, dtype=np.uint8)
    if mask.ndim != 2:
        raise ValueError(f"expected a (H, W) mask, got shape {mask.shape}")
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return np.zeros((0, 2), dtype=np.int64)
    largest = max(contours, key=cv2.contourArea)
    return largest.reshape(-1, 2).astype(np.int64)  # (P, 1, 2) -> (P, 2)


def _stride_sample(contour: np.ndarray, num_points: int) -> np.ndarray:
    """Every k-th point from index 0 with k = ceil(P / N), so at most N points."""
    if len(contour) <= num_points:
        return contour
    step = math.ceil(len(contour) / num_points)
    return contour[::step]


def _polar_sample(contour: np.ndarray, mask: np.ndarray, num_points: int) -> np.ndarray:
    """One point per 360/N degrees around the mask's mass centre (farthest contour point).

    An angle with no contour point is searched at +-1..+-5 degrees; if still empty the point is
    padding (-1).
    """
    moments = cv2.moments(mask.astype(np.uint8), binaryImage=True)
    if moments["m00"] == 0:
        return np.full((num_points, 2), PAD_VALUE)
    cx, cy = moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]
    dx, dy = contour[:, 0] - cx, contour[:, 1] - cy
    angles = np.round(np.degrees(np.arctan2(dy, dx))).astype(np.int64) % 360
    dist = np.hypot(dx, dy)
    out = np.full((num_points, 2), PAD_VALUE)
    for i in range(num_points):
        target = int(round(i * 360.0 / num_points))
        for delta in (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5):
            hit = np.nonzero(angles == (target + delta) % 360)[0]
            if len(hit):
                out[i] = contour[hit[np.argmax(dist[hit])]]
                break
    return out


def mask_to_contour_points(
    mask: np.ndarray,
    num_points: int,
    center_sampling: bool = False,
    drop_zero_area: bool = False,
) -> np.ndarray:
    """Sample at most N contour points of a mask, SeqTR style.

    Default mode: the largest external contour (no approximation); all its points if it has
    at most N, else every k-th point with k = ceil(P / N) from index 0. ``center_sampling``
    uses the polar mode instead (one point per 360/N degrees around the mass centre).
    Points are clipped to the image and the array is padded with -1 to N rows.

    Args:
        mask: (H, W) bool mask.
        num_points: N, the maximum number of points.
        center_sampling: use the polar sampling mode.
        drop_zero_area: when the largest contour encloses no area (a one-pixel-wide line or a
            single pixel), return only padding, i.e. an all-END target (the SeqTR release);
            by default its pixels are still sampled.

    Returns:
        (N, 2) float32 array of x, y pixel coordinates; unused rows are -1.
    """
    h, w = mask.shape[:2]
    contour = largest_external_contour(mask)
    out = np.full((num_points, 2), PAD_VALUE, dtype=np.float32)
    if len(contour) == 0:
        return out
    if drop_zero_area and cv2.contourArea(contour.reshape(-1, 1, 2).astype(np.int32)) <= 0:
        return out
    if center_sampling:
        points = _polar_sample(contour, mask, num_points)
    else:
        points = _stride_sample(contour, num_points)
    points = points.astype(np.float32)
    valid = (points >= 0).all(axis=1)
    points[valid, 0] = points[valid, 0].clip(0, w - 1)
    points[valid, 1] = points[valid, 1].clip(0, h - 1)
    out[: len(points)] = points
    return out


def valid_points(points: np.ndarray | Tensor) -> np.ndarray:
    """Drop -1 padded rows: (N, 2) -> (M, 2) float64 numpy array."""
    if isinstance(points, Tensor):
        points = points.detach().cpu().numpy()
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return points[(points >= 0).all(axis=1)]


def points_to_mask(
    points: np.ndarray | Tensor, height: int, width: int, two_points: str = "corners"
) -> np.ndarray:
    """Rasterise contour points into a mask (the SeqTR decoding rule).

    Fewer than two valid points give an empty mask; exactly two are read as a box; three or
    more are a polygon rasterised with pycocotools.

    Args:
        points: (N, 2) x, y coordinates; rows with negative values are padding.
        height, width: output size.
        two_points: how two points make a box: 'corners' (default), the box they span, or
            'xywh', the SeqTR release: pycocotools reads the four numbers x1, y1, x2, y2 as
            [x, y, w, h], i.e. the box from (x1, y1) to (x1 + x2, y1 + y2).

    Returns:
        (height, width) bool mask.
    """
    if two_points not in ("corners", "xywh"):
        raise ValueError(f"two_points must be 'corners' or 'xywh', got {two_points!r}")
    pts = valid_points(points)
    if len(pts) < 2:
        return np.zeros((height, width), dtype=bool)
    if len(pts) == 2:
        if two_points == "xywh":
            (x1, y1), (x2, y2) = pts[0], pts[0] + pts[1]
        else:
            (x1, y1), (x2, y2) = pts.min(axis=0), pts.max(axis=0)
        pts = np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]])
    return polygons_to_mask([pts.reshape(-1).tolist()], height, width)


def _side_lengths(pad_shape: Sequence[int] | Tensor, ref: Tensor) -> Tensor:
    """(W, H) of the padded input as a tensor broadcastable to (..., 2) points."""
    shape = torch.as_tensor(pad_shape, dtype=torch.float32, device=ref.device)
    return shape[..., :2].flip(-1)  # (H, W) -> (W, H)


def points_to_tokens(
    points: Tensor, pad_shape: Sequence[int] | Tensor, num_bins: int = 1000
) -> Tensor:
    """Quantise points into coordinate tokens with the ``relative`` mapping.

    token = floor(coord / padded_side * num_bins), x by the padded width and y by the padded
    height, clamped to [0, num_bins - 1]. A padded point (any coordinate < 0) gives two END
    tokens (id ``num_bins``).

    Args:
        points: (..., N, 2) x, y coordinates in padded-input pixels.
        pad_shape: (H, W) of the padded input, or a (..., 2) tensor of them (one per sample,
            broadcast over N).
        num_bins: number of coordinate bins.

    Returns:
        (..., 2N) int64 tokens ordered x1, y1, x2, y2, ...
    """
    side = _side_lengths(pad_shape, points)
    if side.dim() > 1:
        side = side.unsqueeze(-2)  # (..., 2) -> (..., 1, 2), broadcast over N
    tokens = torch.floor(points.float() / side * num_bins).long().clamp(0, num_bins - 1)
    pad = (points < 0).any(dim=-1, keepdim=True).expand_as(tokens)
    tokens = tokens.masked_fill(pad, num_bins)
    return tokens.flatten(-2)  # (..., N, 2) -> (..., 2N)


def tokens_to_points(tokens: Tensor, pad_shape: Sequence[int], num_bins: int = 1000) -> Tensor:
    """Decode one generated token sequence into points (the SeqTR rule).

    The sequence is cut at the first END token, a trailing odd token is dropped and each
    token is mapped back as token * padded_side / num_bins.

    Args:
        tokens: (T,) int tokens of one sample.
        pad_shape: (H, W) of the padded input.
        num_bins: number of coordinate bins (END = num_bins).

    Returns:
        (M, 2) float x, y points, M <= T // 2.
    """
    tokens = tokens.reshape(-1)
    end = torch.nonzero(tokens >= num_bins)
    if len(end):
        tokens = tokens[: int(end[0])]
    tokens = tokens[: len(tokens) // 2 * 2]
    side = _side_lengths(pad_shape, tokens)
    return tokens.float().reshape(-1, 2) * side / num_bins  # (2M,) -> (M, 2)


def box_to_tokens(boxes: Tensor, pad_shape: Sequence[int] | Tensor, num_bins: int = 1000) -> Tensor:
    """Quantise xyxy boxes (..., 4) into 4 tokens each (x1, y1, x2, y2), no END token."""
    points = boxes.reshape(*boxes.shape[:-1], 2, 2)  # (..., 4) -> (..., 2, 2)
    return points_to_tokens(points.clamp(min=0), pad_shape, num_bins)


def tokens_to_box(tokens: Tensor, pad_shape: Sequence[int], num_bins: int = 1000) -> Tensor:
    """Decode 4 box tokens (4,) into an xyxy box (4,) in padded-input pixels."""
    tokens = tokens.reshape(-1)[:4].clamp(0, num_bins - 1)
    side = _side_lengths(pad_shape, tokens)
    return (tokens.float().reshape(2, 2) * side / num_bins).reshape(4)  # (4,) -> (2, 2) -> (4,)
