"""Class-agnostic proposals from any mask generator (SemiRES step 2)."""

from __future__ import annotations

import numpy as np
import torch
from mmengine.structures import PixelData
from torch import Tensor

from risseg.foundation.mask_generator import MaskGenerator
from risseg.labelers.base import BaseProposalLabeler
from risseg.registry import FOUNDATION_MODELS, LABELERS
from risseg.structures import SampleList


def build_part(cfg: dict | MaskGenerator, what: str):
    """A foundation part from its config (built in FOUNDATION_MODELS) or the built part."""
    if isinstance(cfg, dict):
        return FOUNDATION_MODELS.build(cfg)
    if cfg is None:
        raise ValueError(f"{what} is required (a FOUNDATION_MODELS config or a built part).")
    return cfg


@LABELERS.register_module()
class MaskProposalLabeler(BaseProposalLabeler):
    """The automatic masks of a mask generator as an image's proposals.

    SemiRES runs SAM ViT-H's ``SamAutomaticMaskGenerator`` with its default parameters on every
    unlabeled image (``mask_generator=dict(type='SegmentAnythingGenerator', ...)``); any
    :class:`~risseg.foundation.mask_generator.MaskGenerator` can stand in (transformers SAM /
    SAM 2, or the SynthRef colour regions).

    Args:
        mask_generator: a FOUNDATION_MODELS config of a mask generator, or a built one.
        max_proposals: keep at most this many masks (the generator's best first).
    """

    def __init__(
        self, mask_generator: dict | MaskGenerator, max_proposals: int | None = None
    ) -> None:
        super().__init__()
        self.mask_generator = build_part(mask_generator, "mask_generator")
        self.max_proposals = max_proposals

    def propose(self, image: np.ndarray) -> tuple[np.ndarray, list[float]]:
        """Proposals for one (H, W, 3) uint8 RGB image: bool (N, H, W) and N scores."""
        masks, scores = self.mask_generator.generate(image)
        masks, scores = masks[: self.max_proposals], scores[: self.max_proposals]
        return masks.cpu().numpy().astype(bool), [float(s) for s in scores]

    def forward(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Generate proposals for every sample's image.

        Args:
            inputs: (B, 3, H, W) uint8 RGB images (padded batch; cropped to ``img_shape``).
            data_samples: the B samples.

        Returns:
            The samples with ``proposals`` bool (N, H, W) and ``proposal_scores``.
        """
        for i, sample in enumerate(data_samples):
            masks, scores = self.propose(self.image_of(inputs, i, sample).cpu().numpy())
            sample.proposals = PixelData(data=torch.from_numpy(masks))
            sample.set_metainfo(dict(proposal_scores=scores))
        return data_samples
