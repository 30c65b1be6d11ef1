"""CRIS's FPN neck: C3..C5 fused with the sentence feature into one stride-16 map."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from risseg.models.layers.conv_blocks import conv_bn_relu, coord_map
from risseg.registry import MODELS


def _resize(x: Tensor, like: Tensor) -> Tensor:
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)


@MODELS.register_module()
class CRISFPN(nn.Module):
    """Sentence-conditioned FPN of CRIS (https://arxiv.org/abs/2111.15174).

    C5 is multiplied channel-wise by the projected sentence feature, then merged top-down into
    C4 and C3 (C3 average-pooled to stride 16); the three levels, brought to stride 16, are
    concatenated, aggregated by a 1x1 conv and refined by a coordinate conv and a 3x3 conv.
    Every conv is conv + BatchNorm + ReLU.

    Args:
        in_channels: channels of C3, C4, C5 (CRIS RN50: 512, 1024, 1024 with the spatial
            attention pool as C5).
        channels: widths of the three fused levels (CRIS: 256, 512, 1024); the output has
            ``channels[1]``.
        text_dim: sentence feature width (default ``in_channels[2]``, as CRIS).

    Shapes:
        forward(feats = (C3 (B, c3, 2h, 2w), C4 (B, c4, h, w), C5 (B, c5, h/2, w/2)), words,
        mask, sentence (B, text_dim)) -> (B, channels[1], h, w). Words and mask are unused.
    """

    def __init__(
        self,
        in_channels: Sequence[int] = (512, 1024, 1024),
        channels: Sequence[int] = (256, 512, 1024),
        text_dim: int | None = None,
    ) -> None:
        super().__init__()
        c3, c4, c5 = in_channels
        o3, o4, o5 = channels
        self.txt_proj = nn.Sequential(
            nn.Linear(text_dim or c5, o5, bias=False), nn.BatchNorm1d(o5), nn.ReLU(inplace=True)
        )
        self.v5_proj = conv_bn_relu(c5, o5, 1)
        self.f5_norm = nn.Sequential(nn.BatchNorm2d(o5), nn.ReLU(inplace=True))
        self.v4_proj = conv_bn_relu(c4, o4, 3)
        self.f4_cat = conv_bn_relu(o5 + o4, o4, 1)
        self.v3_proj = conv_bn_relu(c3, o3, 3)
        self.f3_cat = conv_bn_relu(o3 + o4, o4, 1)
        self.out5 = conv_bn_relu(o5, o4, 3)
        self.out4 = conv_bn_relu(o4, o4, 3)
        self.out3 = conv_bn_relu(o4, o4, 3)
        self.aggregate = conv_bn_relu(3 * o4, o4, 1)
        self.coord_conv = conv_bn_relu(o4 + 2, o4, 3)
        self.refine = conv_bn_relu(o4, o4, 3)
        self.out_channels = o4

    def forward(
        self,
        feats: Sequence[Tensor],
        words: Tensor | None = None,
        mask: Tensor | None = None,
        sentence: Tensor | None = None,
    ) -> Tensor:
        """Fuse (C3, C4, C5) with the sentence; see the class docstring for shapes."""
        if sentence is None:
            raise ValueError("CRISFPN needs the sentence feature")
        v3, v4, v5 = feats
        state = self.txt_proj(sentence)[:, :, None, None]
        f5 = self.f5_norm(self.v5_proj(v5) * state)
        f4 = self.v4_proj(v4)
        f4 = self.f4_cat(torch.cat([f4, _resize(f5, f4)], dim=1))
        f3 = F.avg_pool2d(self.v3_proj(v3), 2, 2)
        f3 = self.f3_cat(torch.cat([f3, f4], dim=1))
        q5 = _resize(self.out5(f5), f4)
        fq = self.aggregate(torch.cat([self.out3(f3), self.out4(f4), q5], dim=1))
        fq = self.coord_conv(torch.cat([fq, coord_map(fq)], dim=1))
        return self.refine(fq)
