"""Positional encodings of the sequence head: 2-D sine (DETR) and learned 1-D."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class SinePositionalEncoding2D(nn.Module):
    """DETR's normalised 2-D sine/cosine encoding (https://arxiv.org/abs/2005.12872).

    Positions are counted over the valid (un-padded) region only and, when ``normalize``,
    scaled to (0, 2 pi]. The first ``num_feats`` channels encode y, the last encode x.

    Args:
        num_feats: channels per axis (the output has 2 * num_feats).
        temperature: frequency base.
        normalize: normalise the cumulative positions by the valid extent.
        scale: range after normalisation.
    """

    def __init__(
        self,
        num_feats: int = 128,
        temperature: float = 10000.0,
        normalize: bool = True,
        scale: float = 2 * math.pi,
    ) -> None:
        super().__init__()
        self.num_feats = num_feats
        self.temperature = temperature
        self.normalize = normalize
        self.scale = scale

    def forward(self, padding_mask: Tensor) -> Tensor:
        """(B, H, W) bool, True on padding -> (B, 2 * num_feats, H, W) encoding."""
        valid = (~padding_mask).float()
        y = valid.cumsum(1)
        x = valid.cumsum(2)
        if self.normalize:
            eps = 1e-6
            y = y / (y[:, -1:, :] + eps) * self.scale
            x = x / (x[:, :, -1:] + eps) * self.scale
        dim = torch.arange(self.num_feats, dtype=torch.float32, device=padding_mask.device)
        dim = self.temperature ** (2 * torch.div(dim, 2, rounding_mode="floor") / self.num_feats)
        px = x[..., None] / dim  # (B, H, W, F)
        py = y[..., None] / dim
        # interleave sin (even channels) and cos (odd channels): (B, H, W, F/2, 2) -> (B, H, W, F)
        px = torch.stack((px[..., 0::2].sin(), px[..., 1::2].cos()), dim=4).flatten(3)
        py = torch.stack((py[..., 0::2].sin(), py[..., 1::2].cos()), dim=4).flatten(3)
        return torch.cat((py, px), dim=3).permute(0, 3, 1, 2)  # (B, H, W, 2F) -> (B, 2F, H, W)


class LearnedPositionalEncoding1D(nn.Module):
    """A learned table of ``num_positions`` embeddings for the decoder's token positions.

    Args:
        num_positions: table size (2N + 1 for N contour points).
        dim: embedding size.
    """

    def __init__(self, num_positions: int, dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(num_positions, dim)

    def forward(self, length: int) -> Tensor:
        """Embeddings of positions 0..length-1: (length, dim)."""
        if length > self.embedding.num_embeddings:
            raise ValueError(
                f"sequence of {length} tokens exceeds {self.embedding.num_embeddings} positions"
            )
        # a lookup rather than a slice of the weight: under no_grad a slice would still
        # require grad without a grad_fn, which module hooks (FlopCounterMode) reject
        positions = torch.arange(length, device=self.embedding.weight.device)
        return self.embedding(positions)
