"""Label-smoothed cross-entropy over a token vocabulary (SeqTR's sequence loss)."""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from risseg.registry import MODELS


@MODELS.register_module()
class LabelSmoothCrossEntropyLoss(nn.Module):
    """Cross-entropy against a smoothed target: (1 - eps) one-hot + eps / V everywhere.

    Args:
        smoothing: eps (SeqTR: 0.1).
        loss_weight: multiplier of the loss.
    """

    def __init__(self, smoothing: float = 0.1, loss_weight: float = 1.0) -> None:
        super().__init__()
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
        self.smoothing = smoothing
        self.loss_weight = loss_weight

    def forward(
        self,
        logits: Tensor,
        targets: Tensor,
        weight: Tensor | None = None,
        avg_factor: float | None = None,
    ) -> Tensor:
        """Weighted mean loss.

        Args:
            logits: (..., V) unnormalised scores.
            targets: (...) int64 class ids.
            weight: (...) per-token weights (default 1).
            avg_factor: divisor of the weighted sum (default: number of tokens).

        Returns:
            Scalar loss.
        """
        logp = F.log_softmax(logits.float(), dim=-1)
        nll = -logp.gather(-1, targets[..., None]).squeeze(-1)
        uniform = -logp.mean(-1)
        loss = (1 - self.smoothing) * nll + self.smoothing * uniform
        if weight is not None:
            loss = loss * weight
        denom = float(targets.numel()) if avg_factor is None else max(float(avg_factor), 1.0)
        return self.loss_weight * loss.sum() / denom
