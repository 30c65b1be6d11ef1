"""Pixel affinities from a boundary map, affinity labels and random-walk propagation.

IRNet (Ahn et al., "Weakly Supervised Learning of Instance Segmentation with Inter-pixel
Relations", CVPR 2019, https://arxiv.org/abs/1904.05044) predicts a class-boundary map B and
defines the affinity of two pixels within a radius as ``1 - max B`` along the straight path
between them. The affinities define a random walk that spreads a coarse localisation map over
the region it lies in. Everything here works on (B, C, H, W) tensors of one resolution (the
affinity network's stride-4 grid).
"""

from __future__ import annotations

from functools import cache

import torch
import torch.nn.functional as F
from torch import Tensor

IGNORE = 255  # label of pixels that are neither confident foreground nor confident background


@cache
def path_offsets(radius: int) -> tuple[tuple[int, int], ...]:
    """One offset (dy, dx) of every pixel pair closer than ``radius``, up to sign.

    The half-plane ``dy > 0``, or ``dy == 0`` and ``dx > 0``, with ``dy^2 + dx^2 < radius^2``;
    the pair (p, p + o) stands for (p + o, p) too, as affinities are symmetric.
    """
    if radius < 2:
        raise ValueError(f"radius must be >= 2, got {radius}")
    return tuple(
        (dy, dx)
        for dy in range(radius)
        for dx in range(-radius + 1, radius)
        if (dy > 0 or dx > 0) and dy * dy + dx * dx < radius * radius
    )


@cache
def path_points(dy: int, dx: int) -> tuple[tuple[int, int], ...]:
    """The grid points between (0, 0) and (dy, dx): those of the bounding box closer than one
    pixel to the straight line through both ends (both ends included)."""
    length_sq = dy * dy + dx * dx
    return tuple(
        (y, x)
        for y in range(min(0, dy), max(0, dy) + 1)
        for x in range(min(0, dx), max(0, dx) + 1)
        if (dy * x - dx * y) ** 2 < length_sq
    )


def _shifted(padded: Tensor, pad: int, dy: int, dx: int, h: int, w: int) -> Tensor:
    """The (.., h, w) window of a map padded by ``pad`` on every side, moved by (dy, dx)."""
    return padded[..., pad + dy : pad + dy + h, pad + dx : pad + dx + w]


def edge_to_affinity(edge: Tensor, radius: int) -> Tensor:
    """Affinities of every pixel with its neighbours along :func:`path_offsets`.

    Args:
        edge: (B, 1, H, W) boundary probabilities in [0, 1].
        radius: pairs closer than this are connected.

    Returns:
        (B, K, H, W): for offset k = (dy, dx), ``1 - max`` of ``edge`` on the path from
        (y, x) to (y + dy, x + dx); 0 where that pixel lies outside the map (outside counts
        as boundary).
    """
    _, _, h, w = edge.shape
    padded = F.pad(edge, (radius,) * 4, value=1.0)
    affs = []
    for dy, dx in path_offsets(radius):
        stack = [_shifted(padded, radius, py, px, h, w) for py, px in path_points(dy, dx)]
        affs.append(1.0 - torch.stack(stack, 0).amax(0))
    return torch.cat(affs, dim=1)


def affinity_labels(labels: Tensor, radius: int) -> tuple[Tensor, Tensor, Tensor]:
    """Pair labels of :func:`edge_to_affinity`'s pairs from a confident-region label map.

    Args:
        labels: (B, H, W) int, 0 background, 1 foreground, :data:`IGNORE` unsure.
        radius: as in :func:`edge_to_affinity`.

    Returns:
        bg_pos, fg_pos, neg: (B, K, H, W) float 0/1; a pair of two confident pixels inside the
        map is positive (background or foreground by its label) when both labels agree,
        negative otherwise.
    """
    _, h, w = labels.shape
    padded = F.pad(labels[:, None].long(), (radius,) * 4, value=IGNORE)[:, 0]
    src = labels.long()
    bg, fg, neg = [], [], []
    for dy, dx in path_offsets(radius):
        dst = _shifted(padded, radius, dy, dx, h, w)
        valid = (src != IGNORE) & (dst != IGNORE)
        same = valid & (src == dst)
        bg.append(same & (src == 0))
        fg.append(same & (src != 0))
        neg.append(valid & (src != dst))
    return tuple(torch.stack(x, 1).float() for x in (bg, fg, neg))


def affinity_loss(aff: Tensor, labels: Tensor, radius: int, eps: float = 1e-5) -> dict:
    """IRNet's inter-pixel relation loss of predicted affinities.

    Positive pairs push the affinity to 1 (``-log aff``), negative pairs to 0
    (``-log(1 - aff)``); each kind is averaged over its pairs, background and foreground
    positives weigh half each, and the total is ``(positive + negative) / 2``.

    Args:
        aff: (B, K, H, W) affinities (:func:`edge_to_affinity` of the predicted boundaries).
        labels: (B, H, W) confident-region labels (0 / 1 / :data:`IGNORE`).
        radius: the radius ``aff`` was computed with.
        eps: keeps the logarithms finite.

    Returns:
        ``{'loss_aff_pos', 'loss_aff_neg'}``, each already halved.
    """
    bg, fg, neg = affinity_labels(labels, radius)
    pos_loss = -torch.log(aff + eps)
    neg_loss = -torch.log(1.0 + eps - aff)

    def mean(weight: Tensor, loss: Tensor) -> Tensor:
        return (weight * loss).sum() / (weight.sum() + eps)

    pos = mean(bg, pos_loss) / 2 + mean(fg, pos_loss) / 2
    return dict(loss_aff_pos=pos / 2, loss_aff_neg=mean(neg, neg_loss) / 2)


def transition_weights(edge: Tensor, radius: int, beta: float) -> Tensor:
    """Column-normalised random-walk transitions, gathered per target pixel.

    The transition matrix is ``T[p, q] = A[p, q]^beta / sum_p' A[p', q]^beta`` with ``A`` the
    symmetric affinities of pairs closer than ``radius`` and ``A[q, q] = 1``. This returns it
    in the layout of ``F.unfold`` with a (2 radius - 1)-sided window: entry (i, j) of target q
    is ``T[q + (i - r + 1, j - r + 1), q]``.

    Args:
        edge: (B, 1, H, W) boundary probabilities.
        radius: neighbourhood radius.
        beta: exponent sharpening the affinities.

    Returns:
        (B, S * S, H, W) with S = 2 radius - 1.
    """
    b, _, h, w = edge.shape
    r = radius - 1  # farthest offset along an axis
    side = 2 * r + 1
    aff = edge_to_affinity(edge, radius).pow(beta)  # (B, K, H, W), 0 towards outside
    weights = edge.new_zeros(b, side, side, h, w)
    weights[:, r, r] = 1.0
    aff_padded = F.pad(aff, (r,) * 4)
    for k, (dy, dx) in enumerate(path_offsets(radius)):
        weights[:, r + dy, r + dx] = aff[:, k]  # q's pair with q + o, stored at q
        # q's pair with q - o, stored at q - o
        weights[:, r - dy, r - dx] = _shifted(aff_padded[:, k], r, -dy, -dx, h, w)
    weights = weights.reshape(b, side * side, h, w)
    return weights / weights.sum(1, keepdim=True)


def random_walk(
    x: Tensor, edge: Tensor, *, radius: int = 5, beta: float = 10.0, exp_times: int = 8
) -> Tensor:
    """Propagate maps by a random walk on the boundary-derived affinities.

    Computes ``x' T^(2^exp_times)`` with ``x' = x * (1 - edge)`` (the walk starts away from
    boundaries) and ``T`` of :func:`transition_weights`, as ``2^exp_times`` local steps (the
    dense matrix power is never formed).

    Args:
        x: (B, C, H, W) non-negative maps (e.g. localisation scores).
        edge: (B, 1, H, W) boundary probabilities on the same grid.
        radius, beta: as in :func:`transition_weights` (IRNet inference: 5, 10).
        exp_times: log2 of the number of steps (IRNet: 8, i.e. 256 steps).

    Returns:
        (B, C, H, W) propagated maps.
    """
    if x.shape[0] != edge.shape[0] or x.shape[-2:] != edge.shape[-2:]:
        raise ValueError(f"maps {tuple(x.shape)} and edges {tuple(edge.shape)} differ")
    b, c, h, w = x.shape
    r = radius - 1
    side = 2 * r + 1
    trans = transition_weights(edge, radius, beta).reshape(b, 1, side * side, h * w)
    x = x * (1.0 - edge)
    for _ in range(2**exp_times):
        cols = F.unfold(x, side, padding=r).reshape(b, c, side * side, h * w)  # window per q
        x = (cols * trans).sum(2).reshape(b, c, h, w)
    return x
