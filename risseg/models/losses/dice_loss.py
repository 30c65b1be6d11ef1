"""Soft Dice loss on foreground logits."""

from __future__ import annotations

from torch import Tensor, nn

from risseg.registry import MODELS


@MODELS.register_module()
class DiceLoss(nn.Module):
    """``1 - (2 |P * G| + eps) / (|P| + |G| + eps)`` per sample, averaged over the batch.

    Args:
        eps: smoothing term; keeps the loss defined (and 0) for empty prediction and target.
    """

    def __init__(self, eps: float = 1.0) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        """Args: logits (B, 1, H, W); target (B, 1, H, W) in {0, 1}. Returns a scalar."""
        prob = logits.sigmoid().flatten(1)  # (B, 1, H, W) -> (B, HW)
        target = target.flatten(1).to(prob.dtype)
        inter = (prob * target).sum(1)
        dice = (2 * inter + self.eps) / (prob.sum(1) + target.sum(1) + self.eps)
        return (1 - dice).mean()
