"""SeqTR transforms: large-scale jitter and contour-point sampling.

See SeqTR (https://arxiv.org/abs/2203.16265) and docs/methods/seqtr.md. Both transforms work
on the pipeline ``results`` of docs/data_flow.md: ``img`` (H, W, 3) uint8 RGB, ``gt_mask``
(H, W) bool and ``gt_bbox`` (4,) float32 xyxy.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from risseg.registry import TRANSFORMS
from risseg.utils.contour import mask_to_contour_points


@TRANSFORMS.register_module()
class LargeScaleJitter(BaseTransform):
    """Random keep-ratio rescale, then a random crop that keeps most of the referred mask.

    The image is scaled by r = U(min_scale, max_scale) * out_max_size / max(H, W). When the
    scaled image is larger than ``out_max_size`` on a side, a crop of at most
    out_max_size x out_max_size is tried ``num_tries`` times per threshold in
    ``crop_thresholds`` (fraction of the target's area that must stay inside the crop); the
    first crop that passes is taken. If none passes, the best crop is used when its fraction is
    at least ``min_overlap``, else the scaled image is kept whole. The target area is the GT
    mask when present, else the GT box. Padding to a multiple of 32 is left to ``Pad`` or the
    data preprocessor.

    Updates ``img``, ``gt_mask``, ``gt_bbox``, ``img_shape`` and ``scale_factor``
    (w_scale, h_scale relative to the loaded image); records the crop as ``crop_bbox`` xyxy.

    Args:
        out_max_size: the output's longer side before cropping at scale 1.
        min_scale, max_scale: range of the random scale factor.
        crop_thresholds: required kept fractions, tried in order.
        num_tries: random crops tried per threshold.
        min_overlap: the best crop's minimum kept fraction for the fallback.
    """

    def __init__(
        self,
        out_max_size: int = 640,
        min_scale: float = 0.3,
        max_scale: float = 1.4,
        crop_thresholds: Sequence[float] = (0.9, 0.8, 0.7, 0.6, 0.5),
        num_tries: int = 100,
        min_overlap: float = 0.3,
    ) -> None:
        if not 0 < min_scale <= max_scale:
            raise ValueError(f"need 0 < min_scale <= max_scale, got {min_scale}, {max_scale}")
        self.out_max_size = out_max_size
        self.min_scale = min_scale
        self.max_scale = max_scale
        self.crop_thresholds = tuple(crop_thresholds)
        self.num_tries = num_tries
        self.min_overlap = min_overlap

    def _target_map(self, results: dict, shape: tuple[int, int]) -> np.ndarray:
        """(H, W) bool map whose area must survive the crop: the mask, else the box."""
        mask = results.get("gt_mask")
        if mask is not None and mask.any():
            return mask
        target = np.zeros(shape, dtype=bool)
        box = results.get("gt_bbox")
        if box is not None:
            x1, y1, x2, y2 = np.round(np.asarray(box, dtype=np.float64)).astype(int)
            target[max(y1, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)] = True
        return target

    def _choose_crop(self, target: np.ndarray) -> tuple[int, int, int, int] | None:
        """Top-left corner and size (x, y, w, h) of the crop, or None for no crop."""
        h, w = target.shape
        ch, cw = min(h, self.out_max_size), min(w, self.out_max_size)
        if (ch, cw) == (h, w):
            return None
        total = float(target.sum())
        if total == 0:
            x, y = np.random.randint(0, w - cw + 1), np.random.randint(0, h - ch + 1)
            return x, y, cw, ch
        # Integral image: area of the target inside any crop in O(1).
        integral = np.pad(target.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
        best, best_frac = None, -1.0
        for thr in self.crop_thresholds:
            xs = np.random.randint(0, w - cw + 1, size=self.num_tries)
            ys = np.random.randint(0, h - ch + 1, size=self.num_tries)
            inside = (
                integral[ys + ch, xs + cw]
                - integral[ys, xs + cw]
                - integral[ys + ch, xs]
                + integral[ys, xs]
            )
            frac = inside / total
            ok = np.nonzero(frac >= thr)[0]
            if len(ok):
                return int(xs[ok[0]]), int(ys[ok[0]]), cw, ch
            i = int(np.argmax(frac))
            if frac[i] > best_frac:
                best, best_frac = (int(xs[i]), int(ys[i]), cw, ch), float(frac[i])
        return best if best_frac >= self.min_overlap else None

    def transform(self, results: dict) -> dict:
        """Rescale and crop ``results`` in place; returns it."""
        img = results["img"]
        h, w = img.shape[:2]
        ratio = np.random.uniform(self.min_scale, self.max_scale) * self.out_max_size / max(h, w)
        new_w, new_h = max(int(round(w * ratio)), 1), max(int(round(h * ratio)), 1)
        img = cv2.resize(img, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        sx, sy = new_w / w, new_h / h
        if results.get("gt_mask") is not None:
            results["gt_mask"] = cv2.resize(
                results["gt_mask"].astype(np.uint8), (new_w, new_h), interpolation=cv2.INTER_NEAREST
            ).astype(bool)
        if results.get("gt_bbox") is not None:
            results["gt_bbox"] = np.asarray(results["gt_bbox"], np.float32) * np.array(
                [sx, sy, sx, sy], np.float32
            )
        crop = self._choose_crop(self._target_map(results, (new_h, new_w)))
        if crop is not None:
            x, y, cw, ch = crop
            img = img[y : y + ch, x : x + cw]
            if results.get("gt_mask") is not None:
                results["gt_mask"] = results["gt_mask"][y : y + ch, x : x + cw]
            if results.get("gt_bbox") is not None:
                box = results["gt_bbox"] - np.array([x, y, x, y], np.float32)
                box[0::2] = box[0::2].clip(0, cw)
                box[1::2] = box[1::2].clip(0, ch)
                results["gt_bbox"] = box
            results["crop_bbox"] = np.array([x, y, x + cw, y + ch], np.float32)
        results["img"] = np.ascontiguousarray(img)
        results["img_shape"] = img.shape[:2]
        results["scale_factor"] = (sx, sy)
        return results

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(out_max_size={self.out_max_size}, "
            f"scale=({self.min_scale}, {self.max_scale}))"
        )


@TRANSFORMS.register_module()
class SampleContourPoints(BaseTransform):
    """Sample at most N contour points of the GT mask into ``results['gt_points']``.

    Put it after every geometric transform so the points are in the network-input frame.
    Samples without a usable mask (box-only supervision, empty mask after cropping) get N
    rows of -1, which the sequence head turns into END tokens or ignores.

    Args:
        num_points: N (``num_ray`` in SeqTR: 18 for RefCOCO, 12 for RefCOCO+/g).
        center_sampling: use the polar sampling mode of
            :func:`risseg.utils.contour.mask_to_contour_points`.
        drop_zero_area: a mask whose largest contour encloses no area gets N rows of -1
            (an all-END target), as the SeqTR release; False samples its pixels.
    """

    def __init__(
        self, num_points: int, center_sampling: bool = False, drop_zero_area: bool = False
    ) -> None:
        if num_points < 1:
            raise ValueError(f"num_points must be positive, got {num_points}")
        self.num_points = num_points
        self.center_sampling = center_sampling
        self.drop_zero_area = drop_zero_area

    def transform(self, results: dict) -> dict:
        """Write ``gt_points`` (N, 2) float32 x, y, -1 padded; returns ``results``."""
        mask = results.get("gt_mask")
        if mask is None or results.get("supervision", "mask") != "mask":
            points = np.full((self.num_points, 2), -1.0, dtype=np.float32)
        else:
            points = mask_to_contour_points(
                mask, self.num_points, self.center_sampling, self.drop_zero_area
            )
        results["gt_points"] = points
        return results

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(num_points={self.num_points}, "
            f"center_sampling={self.center_sampling}, drop_zero_area={self.drop_zero_area})"
        )
