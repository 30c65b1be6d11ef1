"""Store the model's 4-D weights channels-last, the layout oneDNN convolutions run fastest in."""

from __future__ import annotations

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from risseg.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's parameters and buffers to ``torch.channels_last`` before the run.

    Convolutions whose weight is channels-last run in that layout, and so do the layers after
    them, which saves the layout reorders oneDNN makes around every NCHW convolution. On the
    CPU this speeds up convolutional models (docs/get_started.md, "CPU threads"); results equal
    the NCHW ones up to float rounding. Runs before the EMA hooks copy the model, so their
    copies have the same layout. Enabled by ``env_cfg.channels_last=True`` (tools/train.py and
    tools/test.py add it).
    """

    priority = "VERY_HIGH"

    def before_run(self, runner) -> None:
        """Convert in place: the optimiser's parameter references stay valid."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        model.to(memory_format=torch.channels_last)
        print_log("ChannelsLastHook: model weights stored channels-last", "current")
