"""Label-smoothed cross-entropy over a token vocabulary (SeqTR's sequence loss)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from risseg.registry import MODELS


@MODELS.register_module()
class LabelSmoothCrossEntropyLoss(nn.Module):
    """Cross-entropy against a smoothed target: (1 - eps) one-hot + eps / V everywhere.

    The target class thus receives 1 - eps + eps / V. With ``overwrite_target`` it receives
    exactly 1 - eps and every other class eps / V (the SeqTR release fills eps / V and then
    overwrites the target entry, so its soft target sums to 1 - eps / V).

    With ``neighbour_sigma > 0`` (not in SeqTR) the (1 - eps) mass of a coordinate target is
    spread as a discretised Gaussian over the neighbouring bins instead of a one-hot, so a
    prediction one bin off is penalised less than one far off; targets outside the first
    ``num_ordinal`` classes (the END token) stay one-hot.

    Args:
        smoothing: eps (SeqTR: 0.1).
        loss_weight: multiplier of the loss.
        neighbour_sigma: standard deviation, in bins, of the coordinate target (0: one-hot).
        num_ordinal: how many leading classes are ordered coordinate bins (default: all).
        overwrite_target: the SeqTR release target (see above); not with ``neighbour_sigma``.
    """

    def __init__(
        self,
        smoothing: float = 0.1,
        loss_weight: float = 1.0,
        neighbour_sigma: float = 0.0,
        num_ordinal: int | None = None,
        overwrite_target: bool = False,
    ) -> None:
        super().__init__()
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
        if neighbour_sigma < 0:
            raise ValueError(f"neighbour_sigma must be >= 0, got {neighbour_sigma}")
        if overwrite_target and neighbour_sigma > 0:
            raise ValueError("overwrite_target=True has no meaning with neighbour_sigma > 0")
        self.overwrite_target = overwrite_target
        self.smoothing = smoothing
        self.loss_weight = loss_weight
        self.neighbour_sigma = neighbour_sigma
        self.num_ordinal = num_ordinal

    def _target_nll(self, logp: Tensor, targets: Tensor) -> Tensor:
        """(...) cross-entropy against the one-hot or Gaussian-spread target."""
        nll = -logp.gather(-1, targets[..., None]).squeeze(-1)
        if self.neighbour_sigma <= 0:
            return nll
        num = min(self.num_ordinal or logp.shape[-1], logp.shape[-1])
        bins = torch.arange(num, device=logp.device, dtype=logp.dtype)
        dist = (bins - targets[..., None].to(logp.dtype)) / self.neighbour_sigma  # (..., num)
        soft = torch.softmax(-0.5 * dist**2, dim=-1)  # normalised over the coordinate bins
        spread = -(soft * logp[..., :num]).sum(-1)
        return torch.where(targets < num, spread, nll)

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
        nll = self._target_nll(logp, targets)
        uniform = -logp.mean(-1)
        loss = (1 - self.smoothing) * nll + self.smoothing * uniform
        if self.overwrite_target:
            # take back the eps / V the uniform term gave the target class
            loss = loss - self.smoothing / logp.shape[-1] * nll
        if weight is not None:
            loss = loss * weight
        denom = float(targets.numel()) if avg_factor is None else max(float(avg_factor), 1.0)
        return self.loss_weight * loss.sum() / denom
