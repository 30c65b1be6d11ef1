"""Language-conditioned fusion of multi-scale image features (FiLM + word attention + position)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from risseg.models.layers.conv_blocks import conv_bn_relu, coord_map
from risseg.registry import MODELS


class FiLMFusionLevel(nn.Module):
    """Fuse one image level with the expression.

    The pixel features (with coordinate channels, so that words like "left" can be grounded)
    are modulated by the sentence (FiLM: ``v * (1 + gamma) + beta``) and multiplied by a
    per-pixel attention summary of the words; a 3x3 conv merges both.

    Args:
        in_channels: image channels of this level.
        text_channels: C_t of the text features.
        channels: output channels C.
    """

    def __init__(self, in_channels: int, text_channels: int, channels: int) -> None:
        super().__init__()
        self.visual = conv_bn_relu(in_channels + 2, channels, 1)
        self.film = nn.Linear(text_channels, 2 * channels)
        self.query = nn.Conv2d(channels, channels, 1)
        self.key = nn.Linear(text_channels, channels)
        self.value = nn.Linear(text_channels, channels)
        self.merge = conv_bn_relu(2 * channels + 2, channels, 3)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)

    def forward(self, img: Tensor, words: Tensor, mask: Tensor, sent: Tensor) -> Tensor:
        """(B, C_i, H, W), (B, L, C_t), (B, L), (B, C_t) -> (B, C, H, W)."""
        coords = coord_map(img)
        v = self.visual(torch.cat([img, coords], 1))  # (B, C, H, W)
        gamma, beta = self.film(sent)[..., None, None].chunk(2, dim=1)  # (B, C, 1, 1) each
        film = torch.relu(v * (1 + gamma) + beta)
        b, c, h, w = v.shape
        q = self.query(v).flatten(2).transpose(1, 2)  # (B, C, H, W) -> (B, HW, C)
        k, val = self.key(words), self.value(words)  # (B, L, C)
        attn = q @ k.transpose(1, 2) / c**0.5  # (B, HW, L)
        attn = attn.masked_fill(~mask[:, None, :], float("-inf")).softmax(-1).nan_to_num(0.0)
        ctx = (attn @ val).transpose(1, 2).reshape(b, c, h, w)  # (B, HW, C) -> (B, C, H, W)
        return self.merge(torch.cat([film, v * torch.tanh(ctx), coords], 1))


@MODELS.register_module()
class FiLMFusionNeck(nn.Module):
    """Apply :class:`FiLMFusionLevel` to each image level.

    Args:
        in_channels: C_i of each image level (finest first).
        text_channels: C_t of the text encoder.
        channels: output channels C of every level.

    Shapes:
        list of (B, C_i, H_i, W_i), words (B, L, C_t), mask (B, L), sentence (B, C_t)
        -> list of (B, C, H_i, W_i).
    """

    def __init__(self, in_channels: Sequence[int], text_channels: int, channels: int = 64) -> None:
        super().__init__()
        self.levels = nn.ModuleList(
            FiLMFusionLevel(c, text_channels, channels) for c in in_channels
        )
        self.out_channels = channels

    def forward(
        self, img_feats: Sequence[Tensor], words: Tensor, mask: Tensor, sent: Tensor
    ) -> list[Tensor]:
        """Fuse every level; see the class docstring for shapes."""
        if len(img_feats) != len(self.levels):
            raise ValueError(f"expected {len(self.levels)} image levels, got {len(img_feats)}")
        mask = mask.bool()
        return [lvl(x, words, mask, sent) for lvl, x in zip(self.levels, img_feats, strict=True)]
