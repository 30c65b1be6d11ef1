"""Deterministic label-efficient subsets of a REFER training split.

Two kinds, both read by ``ReferDataset(supervision_file=...)``:

* mask subsets (Partial-RES setting): a fraction of the train refs keep their masks, every
  other train ref keeps only its box;
* image-level semi-supervised splits (SemiRES setting): a fraction of the train *images* is
  fully labeled (their refs keep masks), the refs of the other images have no label.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np


def make_mask_subset(ref_ids: Sequence[int], ratio: float, seed: int = 0) -> dict:
    """Choose ``round(ratio * N)`` (at least 1) refs that keep masks; the rest keep boxes.

    Args:
        ref_ids: the train ref ids.
        ratio: fraction in (0, 1].
        seed: seed of the choice (the result is independent of the order of ``ref_ids``).

    Returns:
        ``{'ratio', 'seed', 'mask': [ref_id...], 'box': [ref_id...]}`` with sorted lists.
    """
    if not 0 < ratio <= 1:
        raise ValueError(f"ratio must be in (0, 1], got {ratio}.")
    ids = sorted(int(r) for r in set(ref_ids))
    n = max(1, round(ratio * len(ids)))
    chosen = set(np.random.default_rng(seed).permutation(len(ids))[:n].tolist())
    return dict(
        ratio=ratio,
        seed=seed,
        mask=[r for i, r in enumerate(ids) if i in chosen],
        box=[r for i, r in enumerate(ids) if i not in chosen],
    )


def make_semi_split(ref_to_image: Mapping[int, int], ratio: float, seed: int = 0) -> dict:
    """Choose ``floor(ratio * #images)`` (at least 1) fully labeled train images.

    Args:
        ref_to_image: train ref_id -> image_id.
        ratio: fraction of images in (0, 1].
        seed: seed of the choice.

    Returns:
        ``{'ratio', 'seed', 'labeled_image_ids', 'unlabeled_image_ids', 'mask': refs of
        labeled images, 'none': refs of unlabeled images}``, all sorted.
    """
    if not 0 < ratio <= 1:
        raise ValueError(f"ratio must be in (0, 1], got {ratio}.")
    images = sorted({int(i) for i in ref_to_image.values()})
    n = max(1, math.floor(ratio * len(images)))
    perm = np.random.default_rng(seed).permutation(len(images))
    labeled = {images[i] for i in perm[:n].tolist()}
    refs = sorted(int(r) for r in ref_to_image)
    return dict(
        ratio=ratio,
        seed=seed,
        labeled_image_ids=sorted(labeled),
        unlabeled_image_ids=[i for i in images if i not in labeled],
        mask=[r for r in refs if int(ref_to_image[r]) in labeled],
        none=[r for r in refs if int(ref_to_image[r]) not in labeled],
    )
