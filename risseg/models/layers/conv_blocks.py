"""Small convolutional building blocks shared by necks and heads."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def coord_map(x: Tensor) -> Tensor:
    """Normalised (x, y) coordinates in [-1, 1] for every pixel of ``x``: (B, 2, H, W).

    Channels-last when ``x`` is, so that ``torch.cat([x, coord_map(x)], 1)`` keeps that layout
    (a concatenation of mixed layouts comes out NCHW, and every convolution after it then
    reorders its input and gradient).
    """
    b, _, h, w = x.shape
    ys = torch.linspace(-1.0, 1.0, h, device=x.device, dtype=x.dtype)
    xs = torch.linspace(-1.0, 1.0, w, device=x.device, dtype=x.dtype)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.stack([grid_x, grid_y])[None].expand(b, -1, -1, -1)
    if x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
        return grid.contiguous(memory_format=torch.channels_last)
    return grid


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    """Conv -> BatchNorm -> ReLU with 'same' padding."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )
