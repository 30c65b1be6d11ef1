"""Soft Dice loss on the foreground probability of 2-class logits."""
from __future__ import annotations

from torch import Tensor, nn

from risseg.registry import MODELS


@MODELS.register_module()
class DiceLoss(nn.Module):
    """1 - (2 |P ∩ G| + eps) / (|P| + |G| + eps) per sample, averaged over the batch.

    P is the softmax foreground probability of (B, 2, H, W) logits. The LAVT README reports that
    adding a Dice loss improves LAVT; risseg's SynthRef configs use it to leave the
    all-background plateau within short CPU schedules (V-Net, https://arxiv.org/abs/1606.04797).

    Args:
        eps: smoothing term.
        loss_weight: multiplier of the loss.
    """

    def __init__(self, eps: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.eps = eps
        self.loss_weight = loss_weight

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            logits: (B, 2, H, W) background/foreground logits.
            target: (B, H, W) int64 in {0, 1}.

        Returns:
            Scalar loss.
        """
        if logits.shape[0] == 0:
            return logits.sum() * 0.0
        prob = logits.softmax(dim=1)[:, 1].flatten(1)  # (B, H, W) -> (B, HW)
        gt = target.flatten(1).to(prob.dtype)
        inter = (prob * gt).sum(1)
        dice = (2 * inter + self.eps) / (prob.sum(1) + gt.sum(1) + self.eps)
        return self.loss_weight * (1 - dice).mean()
