"""Partial-RES resampling of pseudo points (RPP): keep predictions that agree with the GT box."""
from __future__ import annotations

import numpy as np
import torch
from mmengine.structures import PixelData
from torch import Tensor

from risseg.labelers.base import BasePseudoLabeler
from risseg.registry import LABELERS
from risseg.structures import SampleList
from risseg.utils.masks import box_mask


def _dice_loss(a: np.ndarray, b: np.ndarray, eps: float = 1e-5) -> float:
    return float(1.0 - 2.0 * (a * b).sum() / ((a * a).sum() + (b * b).sum() + eps))


def projection_score(mask: np.ndarray, box: Tensor | np.ndarray) -> float:
    """The RPP box-consistency loss of a predicted mask (lower is better, 0 = perfect).

    P = (DiceLoss(max_y(mask), max_y(box)) + DiceLoss(max_x(mask), max_x(box))) / 2, with
    DiceLoss(a, b) = 1 - 2 sum(ab) / (sum(a^2) + sum(b^2) + 1e-5) on the 1-D max-projections
    of the mask and of the filled box (BoxInst's projection term).

    Args:
        mask: (H, W) bool predicted mask.
        box: (4,) xyxy GT box in the same frame.

    Returns:
        P in [0, 1].
    """
    mask = np.asarray(mask, dtype=np.float64)
    target = box_mask(box, *mask.shape).astype(np.float64)
    loss_x = _dice_loss(mask.max(axis=0), target.max(axis=0))  # projection onto the x axis
    loss_y = _dice_loss(mask.max(axis=1), target.max(axis=1))  # projection onto the y axis
    return 0.5 * (loss_x + loss_y)


@LABELERS.register_module()
class RPPLabeler(BasePseudoLabeler):
    """Select a model's own predictions as pseudo masks when they fit the GT box (RPP).

    Partial-RES (Qu et al., CVPR 2023): a prediction is kept iff its projection score
    (:func:`projection_score`) is below ``score_thr`` (0.1) and it is not empty. Samples that
    already have a GT mask (``supervision == 'mask'``) are never kept when ``skip_labeled``.

    Reads ``pred_mask`` (bool (1, H, W)) and ``gt_bbox`` ((4,) xyxy) of each sample, which must
    be in the same frame. Writes ``pseudo_mask`` (the prediction, bool (1, H, W)) and the
    metainfo ``pseudo_score`` = 1 - P, ``rpp_loss`` = P and ``pseudo_keep`` (bool).

    Args:
        score_thr: keep when P < score_thr.
        skip_labeled: never keep samples that have GT masks.
    """

    def __init__(self, score_thr: float = 0.1, skip_labeled: bool = True) -> None:
        super().__init__()
        self.score_thr = score_thr
        self.skip_labeled = skip_labeled

    def forward(self, inputs: Tensor | None, data_samples: SampleList) -> SampleList:
        """Score and select; ``inputs`` is unused (RPP needs no image)."""
        for sample in data_samples:
            if "pred_mask" not in sample or "gt_bbox" not in sample:
                ref_id = sample.metainfo.get("ref_id")
                raise KeyError(f"RPPLabeler: sample {ref_id} needs pred_mask and gt_bbox")
            mask = sample.pred_mask.data[0].cpu().numpy().astype(bool)
            loss = projection_score(mask, sample.gt_bbox.cpu().numpy()) if mask.any() else 1.0
            labeled = sample.metainfo.get("supervision") == "mask"
            skip = self.skip_labeled and labeled
            keep = bool(mask.any() and loss < self.score_thr and not skip)
            sample.pseudo_mask = PixelData(data=torch.from_numpy(mask)[None])
            sample.set_metainfo(
                dict(pseudo_score=float(1.0 - loss), rpp_loss=float(loss), pseudo_keep=keep)
            )
        return data_samples
