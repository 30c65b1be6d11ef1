"""SAM's automatic mask generator as a class-agnostic proposal labeler."""

from __future__ import annotations

import numpy as np
import torch
from mmengine.structures import PixelData
from segment_anything import SamAutomaticMaskGenerator, sam_model_registry
from torch import Tensor, nn

from risseg.labelers.base import BaseProposalLabeler
from risseg.registry import LABELERS
from risseg.structures import SampleList


@LABELERS.register_module()
class SAMProposalLabeler(BaseProposalLabeler):
    """Class-agnostic masks from Segment Anything (https://arxiv.org/abs/2304.02643).

    SemiRES runs SAM ViT-H's ``SamAutomaticMaskGenerator`` with its default parameters
    (32 points per side, predicted-IoU 0.88, stability 0.95, box NMS 0.7) on every unlabeled
    image; those are the defaults here too.

    Args:
        sam: a built ``segment_anything.modeling.Sam`` (tests inject a tiny random one), or
            None to build ``model_type`` from ``checkpoint``.
        checkpoint: local path of the SAM weights (e.g. ``sam_vit_h_4b8939.pth``).
        model_type: ``'vit_h'``, ``'vit_l'`` or ``'vit_b'``.
        generator_cfg: keyword arguments of ``SamAutomaticMaskGenerator``.
        max_proposals: keep at most this many masks (highest predicted IoU first).
    """

    def __init__(
        self,
        sam: nn.Module | None = None,
        checkpoint: str | None = None,
        model_type: str = "vit_h",
        generator_cfg: dict | None = None,
        max_proposals: int | None = None,
    ) -> None:
        super().__init__()
        if sam is None:
            if checkpoint is None:
                raise ValueError("SAMProposalLabeler needs `sam` or a local `checkpoint` path.")
            sam = sam_model_registry[model_type](checkpoint=checkpoint)
        self.sam = sam.eval()
        self.generator = SamAutomaticMaskGenerator(self.sam, **(generator_cfg or {}))
        self.max_proposals = max_proposals

    @torch.no_grad()
    def forward(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Generate proposals for every sample's image.

        Args:
            inputs: (B, 3, H, W) uint8 RGB images (padded batch; cropped to ``img_shape``).
            data_samples: the B samples.

        Returns:
            The samples with ``proposals`` bool (N, H, W) and ``proposal_scores``.
        """
        for i, sample in enumerate(data_samples):
            img = self.image_of(inputs, i, sample).cpu().numpy()
            records = sorted(self.generator.generate(img), key=lambda r: -r["predicted_iou"])
            records = records[: self.max_proposals]
            h, w = img.shape[:2]
            masks = np.zeros((len(records), h, w), dtype=bool)
            for j, rec in enumerate(records):
                masks[j] = rec["segmentation"]
            sample.proposals = PixelData(data=torch.from_numpy(masks))
            sample.set_metainfo(dict(proposal_scores=[float(r["predicted_iou"]) for r in records]))
        return data_samples
