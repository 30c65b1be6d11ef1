"""Tiny models for tests: a two-conv backbone and a hashed-word text encoder."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from risseg.registry import MODELS


@MODELS.register_module()
class TinyBackbone(nn.Module):
    """Two strided convolutions; the smallest image backbone with two feature levels.

    Args:
        in_channels: input channels (3 for RGB).
        channels: output channels of both levels.

    Shapes:
        (B, 3, H, W) -> [(B, C, H/2, W/2), (B, C, H/4, W/4)].
    """

    def __init__(self, in_channels: int = 3, channels: int = 8) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=2, padding=1)
        self.out_channels = (channels, channels)

    def forward(self, x: Tensor) -> list[Tensor]:
        """Return the two feature maps, finest first."""
        x1 = torch.relu(self.conv1(x))
        x2 = torch.relu(self.conv2(x1))
        return [x1, x2]


@MODELS.register_module()
class TinyTextEncoder(nn.Module):
    """An embedding table over token ids (ids are taken modulo ``vocab_size``).

    Follows the text-encoder contract of risseg: token ids and mask in; word features, the
    mask and a masked-mean sentence feature out.

    Args:
        vocab_size: rows of the embedding table.
        embed_dim: feature size C.
    """

    def __init__(self, vocab_size: int = 128, embed_dim: int = 8) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.out_channels = embed_dim

    def forward(self, text_ids: Tensor, text_mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Embed the tokens.

        Args:
            text_ids: (B, L) int64 token ids.
            text_mask: (B, L) bool, True on real tokens.

        Returns:
            word features (B, L, C), the mask (B, L) and the sentence feature (B, C).
        """
        words = self.embed(text_ids % self.vocab_size)  # (B, L, C)
        weights = text_mask.float().unsqueeze(-1)  # (B, L, 1)
        sent = (words * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return words, text_mask, sent
