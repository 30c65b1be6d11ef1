"""DarkNet-53 (the YOLOv3 backbone) with the YOLO neck convs, as used by SeqTR.

Redmon & Farhadi, "YOLOv3: An Incremental Improvement", https://arxiv.org/abs/1804.02767.
SeqTR (https://arxiv.org/abs/2203.16265) reads three maps from a 14-module list:

    idx  module                       out channels  stride
    0-1  conv 3x3, conv 3x3 / 2       32, 64        2
    2    1 residual block             64
    3-4  conv / 2, 2 blocks           128           4
    5-6  conv / 2, 8 blocks           256           8   <- out 6
    7-8  conv / 2, 8 blocks           512           16  <- out 8
    9-10 conv / 2, 4 blocks           1024          32
    11   2 blocks without shortcut    1024          (YOLO neck)
    12   conv 1x1                     512           (YOLO neck)
    13   conv 3x3                     1024          32  <- out 13

Every conv is conv (no bias) + BN + LeakyReLU(0.1). ``widen_factor`` and ``num_blocks``
shrink the network for tests and the CPU SynthRef configs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from mmengine.logging import print_log
from torch import Tensor, nn

from risseg.registry import MODELS


class DarknetConv(nn.Module):
    """Conv (no bias) + BatchNorm + LeakyReLU(0.1); attribute names ``conv`` and ``bn``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels, out_channels, kernel_size, stride, kernel_size // 2, bias=False
        )
        self.bn = nn.BatchNorm2d(out_channels)
        self.act = nn.LeakyReLU(0.1, inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, W) -> (B, C_out, H / stride, W / stride)."""
        return self.act(self.bn(self.conv(x)))


class DarknetBlock(nn.Module):
    """``num_blocks`` bottlenecks (1x1 to C/2, 3x3 back to C), with or without a shortcut."""

    def __init__(self, channels: int, num_blocks: int = 1, shortcut: bool = True) -> None:
        super().__init__()
        self.shortcut = shortcut
        self.module_list = nn.ModuleList(
            nn.ModuleList(
                [DarknetConv(channels, channels // 2, 1), DarknetConv(channels // 2, channels, 3)]
            )
            for _ in range(num_blocks)
        )

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) -> (B, C, H, W)."""
        for pair in self.module_list:
            y = pair[1](pair[0](x))
            x = x + y if self.shortcut else y
        return x


@MODELS.register_module()
class DarkNet53(nn.Module):
    """DarkNet-53 + YOLO neck convs returning the stride 8/16/32 maps.

    Args:
        widen_factor: channel multiplier (1.0: 256/512/1024 output channels).
        num_blocks: residual blocks of the five stages (DarkNet-53: 1, 2, 8, 8, 4).
        out_indices: module indices whose outputs are returned. Modules after the last of
            them never run: they are kept, so that Darknet weight files and checkpoints load
            unchanged, but frozen, so no trainable parameter goes without a gradient.
        freeze_layer: freeze every module except the last ``freeze_layer`` (parameters and BN
            statistics); None trains every module that runs.
        pretrained: a Darknet ``.weights`` file (header + float32 blobs) or a converted
            ``.pth`` state dict, loaded at construction; None keeps random weights.
    """

    def __init__(
        self,
        widen_factor: float = 1.0,
        num_blocks: Sequence[int] = (1, 2, 8, 8, 4),
        *,
        out_indices: Sequence[int] = (6, 8, 13),
        freeze_layer: int | None = 2,
        pretrained: str | None = None,
    ) -> None:
        super().__init__()
        if len(num_blocks) != 5:
            raise ValueError(f"num_blocks needs 5 stages, got {num_blocks}")

        def ch(c: int) -> int:
            return max(int(c * widen_factor), 2)

        n = num_blocks
        self.darknet = nn.ModuleList(
            [
                DarknetConv(3, ch(32), 3),
                DarknetConv(ch(32), ch(64), 3, 2),
                DarknetBlock(ch(64), n[0]),
                DarknetConv(ch(64), ch(128), 3, 2),
                DarknetBlock(ch(128), n[1]),
                DarknetConv(ch(128), ch(256), 3, 2),
                DarknetBlock(ch(256), n[2]),
                DarknetConv(ch(256), ch(512), 3, 2),
                DarknetBlock(ch(512), n[3]),
                DarknetConv(ch(512), ch(1024), 3, 2),
                DarknetBlock(ch(1024), n[4]),
                DarknetBlock(ch(1024), 2, shortcut=False),
                DarknetConv(ch(1024), ch(512), 1),
                DarknetConv(ch(512), ch(1024), 3),
            ]
        )
        self.out_indices = tuple(out_indices)
        self.out_channels = tuple(self._channels_of(i) for i in self.out_indices)
        self.freeze_layer = freeze_layer
        if pretrained is not None:
            self.load_pretrained(pretrained)
        self._freeze()

    def _channels_of(self, index: int) -> int:
        """Output channels of module ``index``."""
        bns = [m for m in self.darknet[index].modules() if isinstance(m, nn.BatchNorm2d)]
        return bns[-1].num_features

    def _frozen_modules(self) -> list[nn.Module]:
        """The leading ``freeze_layer``-excluded modules and those after the last output."""
        used = max(self.out_indices) + 1
        head = 0 if self.freeze_layer is None else len(self.darknet) - self.freeze_layer
        return list(self.darknet[:head]) + list(self.darknet[max(head, used) :])

    def _freeze(self) -> None:
        for module in self._frozen_modules():
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> DarkNet53:
        """Set training mode but keep frozen modules (and their BN statistics) in eval."""
        super().train(mode)
        self._freeze()
        return self

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        """(B, 3, H, W) RGB in 0-255 -> maps at ``out_indices`` (default strides 8, 16, 32)."""
        outs = []
        for i, module in enumerate(self.darknet[: max(self.out_indices) + 1]):
            x = module(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def conv_layers(self) -> list[DarknetConv]:
        """Every conv layer in module order (the order of the Darknet weights file)."""
        return [m for m in self.darknet.modules() if isinstance(m, DarknetConv)]

    def load_pretrained(self, path: str | Path) -> None:
        """Load a Darknet ``.weights`` file or a ``.pth`` state dict (see class doc)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"DarkNet53: pretrained weights not found: {path}")
        if path.suffix == ".weights":
            load_darknet_weights(self, path)
        else:
            load_darknet_state_dict(self, path)


def load_darknet_weights(model: DarkNet53, path: str | Path) -> int:
    """Copy a Darknet binary weights file into ``model`` and return the convs loaded.

    Layout: a header of int32 major, minor, revision, then ``seen`` (int64 when
    major * 10 + minor >= 2, else int32); then for each conv in module order the float32
    blobs BN bias, BN weight, running mean, running var, conv weight. Trailing data (e.g.
    YOLO head layers) is ignored; if the file ends early (e.g. ``darknet53.conv.74``) the
    remaining convs keep their initialisation and a warning says how many.

    Raises:
        ValueError: the file ends in the middle of a conv.
    """
    with open(path, "rb") as f:
        major, minor, _ = np.fromfile(f, dtype=np.int32, count=3)
        seen_dtype = np.int64 if major * 10 + minor >= 2 and major < 1000 else np.int32
        np.fromfile(f, dtype=seen_dtype, count=1)
        blob = np.fromfile(f, dtype=np.float32)
    offset, loaded = 0, 0
    convs = model.conv_layers()
    for layer in convs:
        tensors = [layer.bn.bias, layer.bn.weight, layer.bn.running_mean, layer.bn.running_var]
        tensors.append(layer.conv.weight)
        need = sum(t.numel() for t in tensors)
        if offset == len(blob):
            break
        if offset + need > len(blob):
            raise ValueError(
                f"{path}: weights end inside conv {loaded} (need {need} floats at offset "
                f"{offset}, {len(blob) - offset} left); the file does not match this DarkNet53"
            )
        for t in tensors:
            chunk = torch.from_numpy(blob[offset : offset + t.numel()].copy())
            t.data.copy_(chunk.view_as(t))
            offset += t.numel()
        loaded += 1
    if loaded < len(convs):
        print_log(
            f"DarkNet53: {path} covered {loaded}/{len(convs)} convs; the rest keep their "
            "random initialisation",
            logger="current",
            level=logging.WARNING,
        )
    return loaded


def load_darknet_state_dict(model: DarkNet53, path: str | Path) -> None:
    """Load a converted ``.pth`` state dict; prefixes such as ``vis_enc.`` or ``backbone.``
    before ``darknet.`` are stripped. Missing or unexpected keys are logged."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = state.get("state_dict", state)
    clean = {}
    for key, value in state.items():
        if "darknet." in key:
            clean[key[key.index("darknet.") :]] = value
    if not clean:
        raise ValueError(f"{path}: no 'darknet.*' keys found; is it a DarkNet53 state dict?")
    result = model.load_state_dict(clean, strict=False)
    if result.missing_keys or result.unexpected_keys:
        print_log(
            f"DarkNet53 from {path}: missing {result.missing_keys[:5]}..., "
            f"unexpected {result.unexpected_keys[:5]}...",
            logger="current",
            level=logging.WARNING,
        )
