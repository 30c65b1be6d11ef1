"""SeqTR's exponential moving average with a warm-up decay."""

from __future__ import annotations

import torch
from mmengine.model import BaseAveragedModel
from torch import Tensor, nn

from risseg.registry import MODELS


@MODELS.register_module()
class WarmupEMA(BaseAveragedModel):
    """EMA of parameters and buffers with decay ``min(max_decay, (t + 1) / (t + 10))``.

    ``t`` counts the updates made so far (the first update copies the model). Early on the
    decay is small, so the average follows the fast-changing model; later it settles at
    ``max_decay``. Averaged: ``ema = decay * ema + (1 - decay) * param`` (SeqTR, methods_spec
    §4.4). Integer buffers (e.g. BatchNorm's ``num_batches_tracked``) are copied.

    Use it through mmengine's EMAHook:
    ``ema_cfg = dict(type='EMAHook', ema_type='WarmupEMA', max_decay=0.999)``.

    Args:
        model: the model to average.
        max_decay: the decay reached after warm-up.
        interval: update every ``interval`` calls.
        device: where to keep the average (None: the model's device).
        update_buffers: average floating buffers too (SeqTR does).
    """

    def __init__(
        self,
        model: nn.Module,
        max_decay: float = 0.999,
        interval: int = 1,
        device: torch.device | None = None,
        update_buffers: bool = True,
    ) -> None:
        super().__init__(model, interval, device, update_buffers)
        if not 0.0 < max_decay < 1.0:
            raise ValueError(f"max_decay must be in (0, 1), got {max_decay}")
        self.max_decay = max_decay

    def decay(self, steps: int) -> float:
        """The decay used at update number ``steps`` (0-based)."""
        return min(self.max_decay, (steps + 1) / (steps + 10))

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: int) -> None:
        """In place: ``averaged = decay * averaged + (1 - decay) * source``."""
        averaged_param.lerp_(source_param, 1.0 - self.decay(int(steps)))

    def update_parameters(self, model: nn.Module) -> None:
        """Average parameters (and floating buffers); copy integer buffers."""
        super().update_parameters(model)
        if self.update_buffers:
            src = model.state_dict()
            for name, value in self.avg_parameters.items():
                if not value.dtype.is_floating_point:
                    value.copy_(src[name])
