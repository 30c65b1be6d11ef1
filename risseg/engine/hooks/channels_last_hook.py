"""Store the model's 4-D weights channels-last, the layout oneDNN convolutions run fastest in."""

from __future__ import annotations

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from risseg.registry import HOOKS


def use_channels_last(model: nn.Module) -> None:
    """Convert ``model``'s 4-D parameters and buffers to channels-last, in place, and have its
    ``data_preprocessor`` (where it has one) emit channels-last image batches.

    An NCHW image batch into channels-last weights makes the first convolution reorder its
    input, forward and backward. Calling this twice is harmless.
    """
    model.to(memory_format=torch.channels_last)
    preprocessor = getattr(model, "data_preprocessor", None)
    if isinstance(preprocessor, nn.Module) and not getattr(preprocessor, "_cl_inputs", False):
        preprocessor.register_forward_hook(_inputs_to_channels_last)
        preprocessor._cl_inputs = True


def _inputs_to_channels_last(module: nn.Module, args: tuple, output: object) -> object:
    """Forward hook: make a preprocessor's ``output['inputs']`` (B, C, H, W) channels-last."""
    inputs = output.get("inputs") if isinstance(output, dict) else None
    if isinstance(inputs, Tensor) and inputs.dim() == 4:
        output["inputs"] = inputs.contiguous(memory_format=torch.channels_last)
    return output


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's parameters and buffers to ``torch.channels_last`` before the run.

    Convolutions whose weight is channels-last run in that layout, and so do the layers after
    them, which saves the layout reorders oneDNN makes around every NCHW convolution; the data
    preprocessor's image batches are made channels-last too (``use_channels_last``). On the
    CPU this speeds up convolutional models (docs/get_started.md, "CPU threads"); results equal
    the NCHW ones up to float rounding. Runs before the EMA hooks copy the model, so their
    copies have the same layout. Enabled by ``env_cfg.channels_last=True`` (tools/train.py and
    tools/test.py add it).
    """

    priority = "VERY_HIGH"

    def before_run(self, runner) -> None:
        """Convert in place: the optimiser's parameter references stay valid."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        use_channels_last(model)
        print_log("ChannelsLastHook: model weights and image batches channels-last", "current")
