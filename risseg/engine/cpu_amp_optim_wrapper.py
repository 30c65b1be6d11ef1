"""Mixed-precision training on the CPU (bfloat16 autocast)."""

from __future__ import annotations

from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from risseg.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` that runs the forward pass under ``torch.autocast('cpu')``.

    mmengine's ``AmpOptimWrapper`` requires a GPU. bfloat16 has float32's exponent range, so
    no loss scaling is needed; gradients and optimizer state stay float32. ``tools/train.py
    --amp`` picks this wrapper when CUDA is unavailable.

    Args:
        dtype: autocast dtype, ``'bfloat16'`` (default) or ``'float16'``.
        **kwargs: passed to ``OptimWrapper`` (optimizer, clip_grad, accumulative_counts).
    """

    def __init__(self, dtype: str = "bfloat16", **kwargs) -> None:
        super().__init__(**kwargs)
        if dtype not in ("bfloat16", "float16"):
            raise ValueError(f"dtype must be 'bfloat16' or 'float16', got {dtype!r}")
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-accumulation context of ``OptimWrapper`` plus CPU autocast."""
        with super().optim_context(model), torch.autocast("cpu", dtype=self.cast_dtype):
            yield
