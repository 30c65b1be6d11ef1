"""SeqTR's SimpleFusion: bottom-up visual pyramid fusion, then tanh(visual) * tanh(text)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from risseg.models.backbones.darknet import DarknetConv
from risseg.models.layers.conv_blocks import coord_map
from risseg.registry import MODELS


@MODELS.register_module()
class SeqTRFusionNeck(nn.Module):
    """Fuse the stride 8/16/32 maps bottom-up and gate them with the sentence feature.

    SeqTR (https://arxiv.org/abs/2203.16265): s8 -> AvgPool2 -> 3x3 conv, concat s16 ->
    AvgPool2 -> 3x3 conv, concat s32 -> 3x3 conv -> 1x1 conv to ``out_channels``; the
    multimodal map is tanh(visual) * tanh(text) with the text broadcast over space.
    With ``return_text_token`` (Partial-RES) the neck also returns tanh(text), the language
    token that the sequence head appends to its encoder input.

    Args:
        in_channels: channels of the three maps (256, 512, 1024 for DarkNet53).
        text_channels: channels of the sentence feature (1024 for the bi-GRU); a linear
            projection is added when it differs from ``out_channels``.
        out_channels: channels of the multimodal map.
        return_text_token: also return the language token.
        coord_channels: append normalised (x, y) coordinate maps to the pooled visual map
            before the output convs (not in SeqTR). The encoder adds positional encodings
            only to attention queries and keys, so without them the *values* the decoder
            reads carry little absolute position; a from-scratch model then struggles to
            emit coordinates (docs/methods/seqtr.md, "Training from scratch").
    """

    def __init__(
        self,
        in_channels: Sequence[int] = (256, 512, 1024),
        text_channels: int = 1024,
        out_channels: int = 1024,
        *,
        return_text_token: bool = False,
        coord_channels: bool = False,
    ) -> None:
        super().__init__()
        c8, c16, c32 = in_channels
        self.pool = nn.AvgPool2d(2, 2)
        self.down1 = DarknetConv(c8, c8, 3)
        self.down2 = DarknetConv(c8 + c16, c8 + c16, 3)
        c_cat = c8 + c16 + c32
        self.coord_channels = coord_channels
        c_in = c_cat + 2 if coord_channels else c_cat
        self.out_conv = nn.Sequential(
            DarknetConv(c_in, c_cat, 3), DarknetConv(c_cat, out_channels, 1)
        )
        same = text_channels == out_channels
        self.text_proj = nn.Identity() if same else nn.Linear(text_channels, out_channels)
        self.out_channels = out_channels
        self.return_text_token = return_text_token

    def forward(self, feats: Sequence[Tensor], text: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """Fuse.

        Args:
            feats: (B, c8, 4h, 4w), (B, c16, 2h, 2w), (B, c32, h, w).
            text: (B, text_channels) sentence feature.

        Returns:
            (B, out_channels, h, w) multimodal map; with ``return_text_token`` also the
            language token (B, out_channels).
        """
        s8, s16, s32 = feats
        x = torch.cat([self.down1(self.pool(s8)), s16], dim=1)
        x = torch.cat([self.down2(self.pool(x)), s32], dim=1)
        if self.coord_channels:
            x = torch.cat([x, coord_map(x)], dim=1)  # (B, c_cat + 2, h, w)
        visual = self.out_conv(x)
        text = torch.tanh(self.text_proj(text))  # (B, C)
        fused = torch.tanh(visual) * text[:, :, None, None]  # broadcast over (h, w)
        if self.return_text_token:
            return fused, text
        return fused
