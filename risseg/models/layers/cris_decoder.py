"""CRIS's vision-language transformer decoder and text-to-pixel projector.

Paper: "CRIS: CLIP-Driven Referring Image Segmentation", https://arxiv.org/abs/2111.15174.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from risseg.models.layers.conv_blocks import conv_bn_relu


def sine_encoding_1d(length: int, dim: int) -> Tensor:
    """Transformer sine/cosine encoding of positions 0..length-1: (length, dim), dim even.

    Channel 2i holds sin(p / 10000^(2i / dim)), channel 2i + 1 the matching cosine.
    """
    if dim % 2:
        raise ValueError(f"sine_encoding_1d: dim must be even, got {dim}")
    freqs = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(1e4) / dim))
    angles = torch.arange(length, dtype=torch.float32)[:, None] * freqs[None]
    return torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(1)


def sine_encoding_2d(height: int, width: int, dim: int) -> Tensor:
    """2-D sine/cosine encoding: (height * width, dim), row-major, dim divisible by 4.

    The first dim / 2 channels encode the column (x), the last dim / 2 the row (y), each as
    :func:`sine_encoding_1d` with dim / 2 channels.
    """
    if dim % 4:
        raise ValueError(f"sine_encoding_2d: dim must be divisible by 4, got {dim}")
    half = dim // 2
    x = sine_encoding_1d(width, half)[None].expand(height, -1, -1)  # (H, W, half)
    y = sine_encoding_1d(height, half)[:, None].expand(-1, width, -1)
    return torch.cat([x, y], dim=-1).reshape(height * width, dim)


class VLDecoderLayer(nn.Module):
    """Pre-norm layer: self-attention over pixels, cross-attention pixels -> words, FFN.

    Each attention output is layer-normalised before its residual add, and the FFN has a
    LayerNorm after its activation (CRIS's layer). Positional encodings are added to queries
    and keys only.

    Args:
        dim: pixel feature width (d_model).
        text_dim: word feature width (keys and values of the cross-attention).
        num_heads: attention heads.
        ffn_channels: hidden width of the FFN.
        dropout: dropout of attention weights and residual branches.
    """

    def __init__(
        self, dim: int, text_dim: int, num_heads: int, ffn_channels: int, dropout: float
    ) -> None:
        super().__init__()
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(dim) for _ in range(3))
        self.self_attn = nn.MultiheadAttention(dim, num_heads, dropout=dropout, batch_first=True)
        self.self_attn_norm = nn.LayerNorm(dim)
        self.cross_attn = nn.MultiheadAttention(
            dim, num_heads, dropout=dropout, kdim=text_dim, vdim=text_dim, batch_first=True
        )
        self.cross_attn_norm = nn.LayerNorm(dim)
        self.ffn = nn.Sequential(
            nn.Linear(dim, ffn_channels),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.LayerNorm(ffn_channels),
            nn.Linear(ffn_channels, dim),
        )
        self.drop1, self.drop2, self.drop3 = (nn.Dropout(dropout) for _ in range(3))

    def forward(
        self, vis: Tensor, words: Tensor, vis_pos: Tensor, word_pos: Tensor, pad: Tensor
    ) -> Tensor:
        """vis (B, N, dim), words (B, L, text_dim), pos (N, dim) / (L, text_dim), pad (B, L)
        True on padding -> (B, N, dim)."""
        x = self.norm1(vis)
        q = x + vis_pos
        vis = vis + self.drop1(self.self_attn_norm(self.self_attn(q, q, x, need_weights=False)[0]))
        x = self.norm2(vis)
        x = self.cross_attn(
            x + vis_pos, words + word_pos, words, key_padding_mask=pad, need_weights=False
        )[0]
        vis = vis + self.drop2(self.cross_attn_norm(x))
        return vis + self.drop3(self.ffn(self.norm3(vis)))


class VLTransformerDecoder(nn.Module):
    """A stack of :class:`VLDecoderLayer` and a final LayerNorm over a pixel map.

    Args:
        dim, text_dim, num_heads, ffn_channels, dropout: see :class:`VLDecoderLayer`.
        num_layers: layers (CRIS: 3).
    """

    def __init__(
        self,
        dim: int = 512,
        text_dim: int = 512,
        num_layers: int = 3,
        num_heads: int = 8,
        ffn_channels: int = 2048,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            VLDecoderLayer(dim, text_dim, num_heads, ffn_channels, dropout)
            for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(dim)

    def forward(self, vis: Tensor, words: Tensor, word_mask: Tensor) -> Tensor:
        """vis (B, C, H, W), words (B, L, D), word_mask (B, L) True on words -> (B, C, H, W)."""
        b, c, h, w = vis.shape
        vis_pos = sine_encoding_2d(h, w, c).to(vis)
        word_pos = sine_encoding_1d(words.shape[1], words.shape[2]).to(words)
        x = vis.flatten(2).transpose(1, 2)
        pad = ~word_mask.bool()
        for layer in self.layers:
            x = layer(x, words, vis_pos, word_pos, pad)
        return self.norm(x).transpose(1, 2).reshape(b, c, h, w)


class TextToPixelProjector(nn.Module):
    """Up-sample the pixel map 4x and score every pixel with a sentence-generated 3x3 filter.

    The sentence feature is mapped to one ``channels`` x k x k filter and a bias per sample;
    the score map is that filter applied to the sample's own up-sampled features.

    Args:
        in_channels: pixel feature width (CRIS: 512).
        text_dim: sentence feature width (CRIS: 1024).
        channels: width after up-sampling (CRIS: in_channels // 2).
        kernel_size: filter side (CRIS: 3).
    """

    def __init__(
        self, in_channels: int, text_dim: int, channels: int | None = None, kernel_size: int = 3
    ) -> None:
        super().__init__()
        channels = channels or in_channels // 2
        self.kernel_size = kernel_size
        self.vis = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="bilinear"),
            conv_bn_relu(in_channels, in_channels, 3),
            nn.Upsample(scale_factor=2, mode="bilinear"),
            conv_bn_relu(in_channels, channels, 3),
            nn.Conv2d(channels, channels, 1),
        )
        self.txt = nn.Linear(text_dim, channels * kernel_size**2 + 1)

    def forward(self, vis: Tensor, sentence: Tensor) -> Tensor:
        """vis (B, C, H, W), sentence (B, D) -> (B, 1, 4H, 4W) logits."""
        x = self.vis(vis)
        b, c, h, w = x.shape
        params = self.txt(sentence)
        weight = params[:, :-1].reshape(b, c, self.kernel_size, self.kernel_size)
        out = F.conv2d(
            x.reshape(1, b * c, h, w),
            weight,
            bias=params[:, -1],
            padding=self.kernel_size // 2,
            groups=b,
        )
        return out.reshape(b, 1, h, w)
