"""Class-weighted two-class cross-entropy, as used by LAVT and SemiRES."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from risseg.registry import MODELS


@MODELS.register_module()
class WeightedCrossEntropyLoss(nn.Module):
    """Pixel-wise cross-entropy with per-class weights and an optional per-pixel weight map.

    LAVT (https://arxiv.org/abs/2112.02244) trains with class weights [0.9 (bg), 1.1 (fg)].
    Two normalisations exist in the seeds and both are selectable:

    - ``'weight'`` (LAVT, ``F.cross_entropy(weight=...)``): sum(w_y * ce) / sum(w_y).
    - ``'pixel'`` (SemiRES, ``reduction='none'`` then ``mean``): sum(w_y * ce) / #pixels.

    Args:
        class_weight: weight of each class (bg, fg); None for unweighted.
        normalize: ``'weight'`` or ``'pixel'`` (see above).
        loss_weight: multiplier of the final loss.
    """

    def __init__(
        self,
        class_weight: tuple[float, ...] | None = (0.9, 1.1),
        normalize: str = "weight",
        loss_weight: float = 1.0,
    ) -> None:
        super().__init__()
        if normalize not in ("weight", "pixel"):
            raise ValueError(f"normalize must be 'weight' or 'pixel', got {normalize!r}.")
        self.class_weight = None if class_weight is None else tuple(float(w) for w in class_weight)
        self.normalize = normalize
        self.loss_weight = loss_weight

    def forward(self, logits: Tensor, target: Tensor, pixel_weight: Tensor | None = None) -> Tensor:
        """Compute the loss.

        Args:
            logits: (B, K, H, W) class logits.
            target: (B, H, W) int64 class indices in [0, K).
            pixel_weight: optional (B, H, W) non-negative weight per pixel, multiplied with the
                class weight of the pixel's target.

        Returns:
            Scalar loss.
        """
        if logits.shape[0] == 0:
            return logits.sum() * 0.0
        target = target.long()
        ce = F.cross_entropy(logits, target, reduction="none")  # (B, H, W)
        weight = torch.ones_like(ce)
        if self.class_weight is not None:
            cw = logits.new_tensor(self.class_weight)
            weight = cw[target]
        if pixel_weight is not None:
            weight = weight * pixel_weight.to(ce)
        if self.normalize == "weight":
            loss = (weight * ce).sum() / weight.sum().clamp_min(1e-12)
        else:
            loss = (weight * ce).mean()
        return self.loss_weight * loss
