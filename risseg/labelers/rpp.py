"""Partial-RES resampling of pseudo points (RPP): keep predictions that agree with the GT box.

The default follows the Partial-RES release step by step: the predicted mask is turned into
polygons (every OpenCV contour with at least three points), the polygons are rasterised again
with pycocotools, the GT box is filled after truncating its corner and size to integers, and
the projection score is the SUM of the two projection Dice losses. A prediction made of more
than one polygon (a second blob or a hole) is dropped, as the release drops it.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pycocotools.mask as mask_utils
import torch
from mmengine.structures import PixelData
from torch import Tensor

from risseg.labelers.base import BasePseudoLabeler
from risseg.registry import LABELERS
from risseg.structures import SampleList
from risseg.utils.masks import box_mask

__all__ = [
    "RPPLabeler",
    "box_mask",
    "mask_to_polygons",
    "projection_score",
    "rasterize_polygons",
    "truncated_box_mask",
]

MAX_SCORE = 2.0  # the projection score of an empty mask (both Dice losses are 1)


def mask_to_polygons(mask: np.ndarray) -> list[list[float]]:
    """Polygons of a mask as the release extracts them.

    Every contour of ``cv2.findContours(RETR_TREE, CHAIN_APPROX_SIMPLE)`` (outer boundaries and
    holes) with at least three points becomes a flat ``[x1, y1, x2, y2, ...]`` list of pixel
    indices.

    Args:
        mask: (H, W) bool or 0/1 mask.

    Returns:
        The polygons; empty when the mask has no contour of three points or more.
    """
    contours, _ = cv2.findContours(
        np.ascontiguousarray(mask, dtype=np.uint8), cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE
    )
    return [c.astype(np.float64).reshape(-1).tolist() for c in contours if c.size >= 6]


def rasterize_polygons(polygons: Sequence[Sequence[float]], height: int, width: int) -> np.ndarray:
    """Rasterise each polygon on its own with pycocotools (no merge).

    Args:
        polygons: K flat ``[x1, y1, ...]`` lists with at least three points each.
        height: image height H.
        width: image width W.

    Returns:
        bool array (K, H, W); (0, H, W) when there are no polygons.
    """
    if not polygons:
        return np.zeros((0, height, width), dtype=bool)
    rles = mask_utils.frPyObjects([list(map(float, p)) for p in polygons], height, width)
    return mask_utils.decode(rles).astype(bool).transpose(2, 0, 1)


def truncated_box_mask(box: Sequence[float] | np.ndarray, height: int, width: int) -> np.ndarray:
    """(H, W) bool box mask filled as the release fills it.

    The release reads the COCO box ``[x, y, w, h]`` and fills rows ``int(y) : int(y) + int(h)``
    and columns ``int(x) : int(x) + int(w)``. The box is given here as xyxy; the width and
    height are recovered as ``x2 - x1`` rounded to 6 decimals (the xyxy values of risseg's
    prediction files carry 2), so that float error cannot move ``int()`` down a pixel.

    Args:
        box: (4,) xyxy box.
        height: image height H.
        width: image width W.

    Returns:
        bool array (H, W).
    """
    x1, y1, x2, y2 = (float(v) for v in np.asarray(box, dtype=np.float64).reshape(4))
    left, top = int(x1), int(y1)
    right = left + int(round(x2 - x1, 6))
    bottom = top + int(round(y2 - y1, 6))
    out = np.zeros((height, width), dtype=bool)
    out[max(top, 0) : max(bottom, 0), max(left, 0) : max(right, 0)] = True
    return out


def _dice_loss(a: np.ndarray, b: np.ndarray, eps: float = 1e-5) -> float:
    return float(1.0 - 2.0 * (a * b).sum() / ((a * a).sum() + (b * b).sum() + eps))


def projection_score(mask: np.ndarray, target: np.ndarray) -> float:
    """The RPP box-consistency loss of a mask (lower is better, 0 = perfect, 2 = worst).

    P = DiceLoss(max_y(mask), max_y(target)) + DiceLoss(max_x(mask), max_x(target)), with
    DiceLoss(a, b) = 1 - 2 sum(ab) / (sum(a^2) + sum(b^2) + 1e-5) on the 1-D max-projections
    (BoxInst's projection term). The release sums the two losses and thresholds the sum.

    Args:
        mask: (H, W) bool mask.
        target: (H, W) bool filled GT box (:func:`truncated_box_mask`).

    Returns:
        P in [0, 2].
    """
    mask = np.asarray(mask, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if mask.shape != target.shape:
        raise ValueError(f"projection_score: mask {mask.shape} and box {target.shape} differ")
    loss_x = _dice_loss(mask.max(axis=0), target.max(axis=0))  # projection onto the x axis
    loss_y = _dice_loss(mask.max(axis=1), target.max(axis=1))  # projection onto the y axis
    return loss_x + loss_y


@LABELERS.register_module()
class RPPLabeler(BasePseudoLabeler):
    """Select a model's own predictions as pseudo masks when they fit the GT box (RPP).

    Partial-RES (Qu et al., CVPR 2023), as released: the prediction becomes polygons
    (:func:`mask_to_polygons`), which are rasterised again (:func:`rasterize_polygons`); it is
    kept iff it is one polygon, the rasterised mask is not empty and its projection score
    (:func:`projection_score` against :func:`truncated_box_mask`) is below ``score_thr``.
    Samples that already have a GT mask (``supervision == 'mask'``) are never kept when
    ``skip_labeled``.

    Reads ``pred_mask`` (bool (1, H, W)) and ``gt_bbox`` ((4,) xyxy) of each sample, in the same
    frame. Writes ``pseudo_mask`` (the rasterised polygons, merged by union, bool (1, H, W))
    and the metainfo ``rpp_loss`` = P, ``pseudo_score`` = 1 - P / 2, ``num_polygons`` and
    ``pseudo_keep`` (bool).

    Args:
        score_thr: keep when P < score_thr.
        skip_labeled: never keep samples that have GT masks.
        keep_multi_polygon: risseg option: score a prediction of several polygons on their
            union instead of dropping it.
    """

    def __init__(
        self, score_thr: float = 0.1, skip_labeled: bool = True, keep_multi_polygon: bool = False
    ) -> None:
        super().__init__()
        self.score_thr = score_thr
        self.skip_labeled = skip_labeled
        self.keep_multi_polygon = keep_multi_polygon

    def score(self, mask: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, float, int, bool]:
        """Score one prediction.

        Args:
            mask: (H, W) bool predicted mask.
            box: (4,) xyxy GT box.

        Returns:
            The rasterised mask (H, W), P, the number of polygons and whether it qualifies
            (before the labeled-sample rule).
        """
        h, w = mask.shape
        polygons = mask_to_polygons(mask)
        raster = rasterize_polygons(polygons, h, w).any(axis=0)
        if not raster.any():
            return raster, MAX_SCORE, len(polygons), False
        loss = projection_score(raster, truncated_box_mask(box, h, w))
        single = len(polygons) == 1 or self.keep_multi_polygon
        return raster, loss, len(polygons), bool(single and loss < self.score_thr)

    def forward(self, inputs: Tensor | None, data_samples: SampleList) -> SampleList:
        """Score and select; ``inputs`` is unused (RPP needs no image)."""
        for sample in data_samples:
            if "pred_mask" not in sample or "gt_bbox" not in sample:
                ref_id = sample.metainfo.get("ref_id")
                raise KeyError(f"RPPLabeler: sample {ref_id} needs pred_mask and gt_bbox")
            mask = sample.pred_mask.data[0].cpu().numpy().astype(bool)
            raster, loss, num_polygons, fits = self.score(mask, sample.gt_bbox.cpu().numpy())
            labeled = sample.metainfo.get("supervision") == "mask"
            keep = fits and not (self.skip_labeled and labeled)
            sample.pseudo_mask = PixelData(data=torch.from_numpy(raster)[None])
            sample.set_metainfo(
                dict(
                    pseudo_score=float(1.0 - loss / MAX_SCORE),
                    rpp_loss=float(loss),
                    num_polygons=int(num_polygons),
                    pseudo_keep=bool(keep),
                )
            )
        return data_samples
