"""Post-norm (DETR-style) transformer layers of the SeqTR sequence head.

Positional encodings are added to queries and keys only, never to values. The decoder layer
optionally adds Partial-RES's point-modulated Gaussian bias (:class:`PointGaussianBias`) to its
cross-attention logits.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from risseg.models.layers.point_gaussian_bias import PointGaussianBias


def _ffn(dim: int, ffn_dim: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(dim, ffn_dim), nn.ReLU(inplace=True), nn.Dropout(dropout), nn.Linear(ffn_dim, dim)
    )


class SeqEncoderLayer(nn.Module):
    """Self-attention + FFN, each followed by residual, dropout and LayerNorm (post-norm).

    Args:
        dim: model width.
        num_heads: attention heads.
        ffn_dim: hidden width of the FFN.
        dropout: dropout on attention weights and residual branches.
    """

    def __init__(self, dim: int, num_heads: int, ffn_dim: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(dim, num_heads, dropout=dropout, batch_first=True)
        self.ffn = _ffn(dim, ffn_dim, dropout)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.drop1 = nn.Dropout(dropout)
        self.drop2 = nn.Dropout(dropout)

    def forward(self, x: Tensor, pos: Tensor, padding_mask: Tensor) -> Tensor:
        """x, pos: (B, S, C); padding_mask: (B, S) bool, True = ignore. Returns (B, S, C)."""
        q = k = x + pos
        x = self.norm1(x + self.drop1(self.self_attn(q, k, x, key_padding_mask=padding_mask)[0]))
        return self.norm2(x + self.drop2(self.ffn(x)))


class SeqDecoderLayer(nn.Module):
    """Causal self-attention, cross-attention to the memory, FFN (post-norm).

    Args:
        dim: model width.
        num_heads: attention heads.
        ffn_dim: hidden width of the FFN.
        dropout: dropout on attention weights and residual branches.
        point_bias: add the Partial-RES Gaussian bias to the cross-attention logits.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        ffn_dim: int,
        dropout: float = 0.1,
        *,
        point_bias: bool = False,
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.self_attn = nn.MultiheadAttention(dim, num_heads, dropout=dropout, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(dim, num_heads, dropout=dropout, batch_first=True)
        self.point_bias = PointGaussianBias(dim, num_heads) if point_bias else None
        self.ffn = _ffn(dim, ffn_dim, dropout)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)
        self.drop1 = nn.Dropout(dropout)
        self.drop2 = nn.Dropout(dropout)
        self.drop3 = nn.Dropout(dropout)

    def forward(
        self,
        tgt: Tensor,
        query_pos: Tensor,
        memory: Tensor,
        memory_pos: Tensor,
        memory_padding_mask: Tensor,
        causal_mask: Tensor,
        *,
        feat_shape: tuple[int, int] | None = None,
        valid_ratio: Tensor | None = None,
        history: Tensor | None = None,
        history_pos: Tensor | None = None,
    ) -> Tensor:
        """One decoder layer.

        Args:
            tgt: (B, T, C) token embeddings; query_pos: (T, C) or (B, T, C).
            memory, memory_pos: (B, S, C) encoder output and its positional encoding; the
                first h * w entries are the visual grid (row-major), extras follow.
            memory_padding_mask: (B, S) bool, True = ignore.
            causal_mask: (T, T) bool, True = blocked.
            feat_shape: (h, w) of the visual grid (needed with ``point_bias``).
            valid_ratio: (B, 2) valid fraction (w, h) of the grid (needed with ``point_bias``).
            history, history_pos: for incremental decoding, this layer's inputs at every
                position so far (B, t, C), ending with ``tgt``, and their positional encodings
                (t, C); self-attention then reads them and ``causal_mask`` is ignored.

        Returns:
            (B, T, C).
        """
        if history is None:
            kv, kv_pos, self_mask = tgt, query_pos, causal_mask
        else:
            kv, kv_pos, self_mask = history, history_pos, None
        attn = self.self_attn(tgt + query_pos, kv + kv_pos, kv, attn_mask=self_mask)[0]
        tgt = self.norm1(tgt + self.drop1(attn))
        bias, key_mask = None, memory_padding_mask
        if self.point_bias is not None:
            # (B * heads, T, S): additive float mask on the cross-attention logits; padding
            # is folded into it as -inf so both masks have one type.
            bias = self.point_bias(tgt, feat_shape, valid_ratio, memory.shape[1])
            b, s = memory_padding_mask.shape
            pad = torch.zeros_like(memory_padding_mask, dtype=bias.dtype)
            pad = pad.masked_fill(memory_padding_mask, float("-inf"))
            bias = (bias.view(b, self.num_heads, -1, s) + pad[:, None, None, :]).flatten(0, 1)
            key_mask = None
        attn = self.cross_attn(
            tgt + query_pos, memory + memory_pos, memory, key_padding_mask=key_mask, attn_mask=bias
        )[0]
        tgt = self.norm2(tgt + self.drop2(attn))
        return self.norm3(tgt + self.drop3(self.ffn(tgt)))
