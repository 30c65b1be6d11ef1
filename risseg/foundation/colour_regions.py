"""The SynthRef stand-in for SAM's automatic masks: uniformly coloured regions."""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import Tensor

from risseg.foundation.mask_generator import MaskGenerator, check_image
from risseg.registry import FOUNDATION_MODELS


@FOUNDATION_MODELS.register_module()
class ColourRegionGenerator(MaskGenerator):
    """Class-agnostic masks from colour edges and connected components (automatic mode only).

    **A stand-in for SAM on synthetic images**, used because SAM's weights cannot be
    downloaded here and SynthRef's objects are flat-coloured shapes on a noisy background.
    It is *not* a general segmenter. Steps: median-blur the image (removes the pixel noise),
    mark pixels whose colour gradient exceeds ``edge_thr`` as edges, take the 4-connected
    components of the non-edge pixels, grow each by the edge width, and keep components whose
    area lies in ``[min_area, max_area_frac * H * W]``. Like SAM it returns several
    granularities only where they exist as separate regions (e.g. the visible parts of an
    occluded object); it never proposes unions.

    Args:
        blur: median-blur kernel size (odd).
        edge_thr: Sobel magnitude (max over RGB, 0-255 units) above which a pixel is an edge.
        min_area: smallest mask in pixels.
        max_area_frac: largest mask as a fraction of the image.
        max_proposals: keep at most this many (largest first).
    """

    promptable = False

    def __init__(
        self,
        blur: int = 3,
        edge_thr: float = 20.0,
        min_area: int = 20,
        max_area_frac: float = 0.5,
        max_proposals: int | None = 64,
    ) -> None:
        super().__init__()
        self.blur = blur
        self.edge_thr = edge_thr
        self.min_area = min_area
        self.max_area_frac = max_area_frac
        self.max_proposals = max_proposals

    def generate(self, image: np.ndarray | Tensor) -> tuple[Tensor, Tensor]:
        """Masks bool (N, H, W), largest first, and scores (N,): 1 - mean gradient / edge_thr."""
        image = check_image(image)
        h, w = image.shape[:2]
        smooth = cv2.medianBlur(np.ascontiguousarray(image), self.blur).astype(np.float32)
        gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
        grad = np.sqrt(gx**2 + gy**2).max(axis=2) / 4.0  # (H, W); Sobel-3 gain is 4
        regions = (grad <= self.edge_thr).astype(np.uint8)
        n, labels = cv2.connectedComponents(regions, connectivity=4)
        kernel = np.ones((3, 3), np.uint8)
        masks, scores = [], []
        for k in range(1, n):
            comp = labels == k
            area = int(comp.sum())
            if area < self.min_area or area > self.max_area_frac * h * w:
                continue
            grown = cv2.dilate(comp.astype(np.uint8), kernel, iterations=1).astype(bool)
            grown &= (labels == k) | (regions == 0)  # grow into edge pixels only
            masks.append(grown)
            scores.append(float(1.0 - grad[comp].mean() / max(self.edge_thr, 1e-6)))
        order = np.argsort([-m.sum() for m in masks], kind="stable")[: self.max_proposals]
        out = np.stack([masks[i] for i in order]) if len(order) else np.zeros((0, h, w), bool)
        # float64 keeps the stored scores of existing SynthRef proposal files unchanged.
        return torch.from_numpy(out), torch.tensor([scores[i] for i in order], dtype=torch.float64)
