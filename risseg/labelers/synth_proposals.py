"""A cheap stand-in for SAM on SynthRef: masks of uniformly coloured regions."""

from __future__ import annotations

import cv2
import numpy as np
import torch
from mmengine.structures import PixelData
from torch import Tensor

from risseg.labelers.base import BaseProposalLabeler
from risseg.registry import LABELERS
from risseg.structures import SampleList


@LABELERS.register_module()
class SynthProposalLabeler(BaseProposalLabeler):
    """Class-agnostic proposals from colour edges and connected components.

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
        min_area: smallest proposal in pixels.
        max_area_frac: largest proposal as a fraction of the image.
        max_proposals: keep at most this many (largest first).
    """

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

    def propose(self, image: np.ndarray) -> tuple[np.ndarray, list[float]]:
        """Proposals for one (H, W, 3) uint8 RGB image: bool (N, H, W) and N scores."""
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
        return out, [scores[i] for i in order]

    def forward(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Generate proposals for every sample's image.

        Args:
            inputs: (B, 3, H, W) uint8 RGB images (cropped to each ``img_shape``).
            data_samples: the B samples.

        Returns:
            The samples with ``proposals`` bool (N, H, W) and ``proposal_scores``.
        """
        for i, sample in enumerate(data_samples):
            masks, scores = self.propose(self.image_of(inputs, i, sample).cpu().numpy())
            sample.proposals = PixelData(data=torch.from_numpy(masks))
            sample.set_metainfo(dict(proposal_scores=scores))
        return data_samples
