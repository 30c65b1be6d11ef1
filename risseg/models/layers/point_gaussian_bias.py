"""Partial-RES point-modulated (SMCA-style) Gaussian bias for cross-attention."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class PointGaussianBias(nn.Module):
    """Predict a per-head 2-D Gaussian over the visual grid from each decoder query.

    Partial-RES (Qu et al., CVPR 2023) after SMCA-DETR (https://arxiv.org/abs/2101.07448): an
    MLP (C -> 128 -> 64 -> 4 * heads, ReLU, last layer zero-initialised so training starts
    without bias) gives per head a centre (sigmoid, times the grid size and the valid-region
    ratio) and a 2-D scale s. The bias at grid cell g is
    -sum_axes s^2 * (centre - (g + 0.5))^2 / 8; memory tokens after the grid (the language
    token) get 0.

    Args:
        dim: query width C.
        num_heads: attention heads.
    """

    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.mlp = nn.Sequential(
            nn.Linear(dim, 128),
            nn.ReLU(inplace=True),
            nn.Linear(128, 64),
            nn.ReLU(inplace=True),
            nn.Linear(64, num_heads * 4),
        )
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def forward(
        self, query: Tensor, feat_shape: tuple[int, int], valid_ratio: Tensor, num_memory: int
    ) -> Tensor:
        """Bias for B queries sequences.

        Args:
            query: (B, T, C) decoder states after self-attention.
            feat_shape: (h, w) of the visual grid.
            valid_ratio: (B, 2) valid fraction (w, h) of the grid.
            num_memory: S >= h * w, the memory length (extra tokens get zero bias).

        Returns:
            (B * heads, T, S) float bias (the layout ``nn.MultiheadAttention`` expects).
        """
        b, t, _ = query.shape
        h, w = feat_shape
        out = self.mlp(query).view(b, t, self.num_heads, 4)  # (B, T, heads, [cx, cy, sx, sy])
        size = query.new_tensor([w, h])
        centre = out[..., :2].sigmoid() * size * valid_ratio[:, None, None, :]  # (B, T, heads, 2)
        scale = out[..., 2:] ** 2
        ys, xs = torch.meshgrid(
            torch.arange(h, device=query.device),
            torch.arange(w, device=query.device),
            indexing="ij",
        )
        grid = torch.stack([xs, ys], dim=-1).reshape(h * w, 2).float() + 0.5  # (h*w, 2) x, y
        dist = (centre[:, :, :, None, :] - grid) ** 2  # (B, T, heads, h*w, 2)
        bias = -(dist * scale[:, :, :, None, :]).sum(-1) / 8.0  # (B, T, heads, h*w)
        if num_memory > h * w:
            bias = torch.cat([bias, bias.new_zeros(b, t, self.num_heads, num_memory - h * w)], -1)
        return bias.permute(0, 2, 1, 3).reshape(b * self.num_heads, t, num_memory)
