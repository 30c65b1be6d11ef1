"""CRIS's text-to-pixel contrastive loss: per-pixel sigmoid BCE on text-pixel scores."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from risseg.registry import MODELS


@MODELS.register_module()
class TextPixelContrastiveLoss(nn.Module):
    """Pull the pixels of the target towards the sentence and push the others away.

    Paper: https://arxiv.org/abs/2111.15174 (eq. 5). The scores are the text-to-pixel
    similarities (logits); each pixel is a binary sample, so the contrast is a sigmoid binary
    cross-entropy averaged over all pixels. The target is brought to the score map's size
    with nearest-neighbour sampling (as CRIS does) before the loss.

    Args:
        loss_weight: factor on the loss.
        gt_interpolation: how the target is resized to the scores ('nearest' as CRIS, or
            'bilinear' for soft targets).
    """

    def __init__(self, loss_weight: float = 1.0, gt_interpolation: str = "nearest") -> None:
        super().__init__()
        if gt_interpolation not in ("nearest", "bilinear"):
            raise ValueError(
                f"gt_interpolation must be 'nearest' or 'bilinear': {gt_interpolation}"
            )
        self.loss_weight = loss_weight
        self.gt_interpolation = gt_interpolation

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        """logits (B, 1, h, w), target (B, 1, H, W) in [0, 1] -> scalar loss."""
        target = target.to(logits.dtype)
        if target.shape[-2:] != logits.shape[-2:]:
            kwargs = {} if self.gt_interpolation == "nearest" else {"align_corners": False}
            target = F.interpolate(
                target, size=logits.shape[-2:], mode=self.gt_interpolation, **kwargs
            )
        return self.loss_weight * F.binary_cross_entropy_with_logits(logits, target)
