"""Post-norm (DETR-style) transformer layers of the SeqTR sequence head.

Positional encodings are added to queries and keys only, never to values. The decoder layer
optionally adds Partial-RES's point-modulated Gaussian bias (:class:`PointGaussianBias`) to its
cross-attention logits. For greedy decoding it also runs one position at a time
(:meth:`SeqDecoderLayer.forward_step`) with every projection computed once: the memory's keys
and values once per image, each position's self-attention keys and values once, cached.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from risseg.models.layers.point_gaussian_bias import PointGaussianBias


def _split_heads(x: Tensor, num_heads: int) -> Tensor:
    """(B, T, C) -> (B, heads, T, C / heads)."""
    b, t, c = x.shape
    return x.view(b, t, num_heads, c // num_heads).transpose(1, 2)


def project(attn: nn.MultiheadAttention, x: Tensor, which: int) -> Tensor:
    """The query (0), key (1) or value (2) projection of ``attn``, split into heads.

    Uses the module's own packed ``in_proj_weight`` / ``in_proj_bias``, so checkpoints are
    unchanged. x: (B, T, C) -> (B, heads, T, C / heads).
    """
    c = attn.embed_dim
    weight = attn.in_proj_weight[which * c : (which + 1) * c]
    bias = attn.in_proj_bias[which * c : (which + 1) * c]
    return _split_heads(F.linear(x, weight, bias), attn.num_heads)


def attend(
    attn: nn.MultiheadAttention, q: Tensor, k: Tensor, v: Tensor, bias: Tensor | None = None
) -> Tensor:
    """Scaled dot-product attention on projected heads, then ``attn``'s output projection.

    The same arithmetic as ``nn.MultiheadAttention`` in eval mode (query scaled before the
    product, additive bias, softmax over keys). q: (B, heads, T, D); k, v: (B, heads, S, D);
    bias: (B, heads, T, S) float or None. Returns (B, T, heads * D).
    """
    b, heads, t, d = q.shape
    logits = (q * (1.0 / math.sqrt(d))) @ k.transpose(-2, -1)  # (B, heads, T, S)
    if bias is not None:
        logits = logits + bias
    out = logits.softmax(-1) @ v  # (B, heads, T, D)
    out = out.transpose(1, 2).reshape(b, t, heads * d)  # (B, heads, T, D) -> (B, T, C)
    return attn.out_proj(out)


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

    def cross_bias(
        self,
        tgt: Tensor,
        memory_padding_mask: Tensor,
        feat_shape: tuple[int, int] | None,
        valid_ratio: Tensor | None,
    ) -> Tensor | None:
        """The Partial-RES point bias with the memory padding folded in as -inf.

        Args:
            tgt: (B, T, C) queries after self-attention.
            memory_padding_mask: (B, S) bool, True = ignore.
            feat_shape, valid_ratio: as in :meth:`forward`.

        Returns:
            (B * heads, T, S) float, or None without ``point_bias``.
        """
        if self.point_bias is None:
            return None
        bias = self.point_bias(tgt, feat_shape, valid_ratio, memory_padding_mask.shape[1])
        b, s = memory_padding_mask.shape
        pad = torch.zeros_like(memory_padding_mask, dtype=bias.dtype)
        pad = pad.masked_fill(memory_padding_mask, float("-inf"))
        return (bias.view(b, self.num_heads, -1, s) + pad[:, None, None, :]).flatten(0, 1)

    def memory_kv(self, memory: Tensor, memory_pos: Tensor) -> tuple[Tensor, Tensor]:
        """Cross-attention keys and values of the memory, computed once per image.

        Args:
            memory, memory_pos: (B, S, C).

        Returns:
            keys and values, each (B, heads, S, C / heads).
        """
        keys = project(self.cross_attn, memory + memory_pos, 1)
        return keys, project(self.cross_attn, memory, 2)

    def forward_step(
        self,
        tgt: Tensor,
        query_pos: Tensor,
        cache: dict[str, Tensor],
        memory_kv: tuple[Tensor, Tensor],
        memory_padding_mask: Tensor,
        *,
        feat_shape: tuple[int, int] | None = None,
        valid_ratio: Tensor | None = None,
    ) -> Tensor:
        """The layer at one new position, in eval mode, reusing cached keys and values.

        Equals the last position of :meth:`forward` on the whole prefix under a causal mask
        (the states of earlier positions never change), without projecting the prefix or the
        memory again.

        Args:
            tgt: (B, 1, C) input at the new position; query_pos: (1, C) its positional code.
            cache: this layer's self-attention ``'keys'`` / ``'values'`` (B, heads, t, D) of the
                earlier positions, updated in place (empty dict at the first position).
            memory_kv: :meth:`memory_kv` of the memory.
            memory_padding_mask: (B, S) bool, True = ignore.
            feat_shape, valid_ratio: as in :meth:`forward` (needed with ``point_bias``).

        Returns:
            (B, 1, C).
        """
        query = tgt + query_pos
        key = project(self.self_attn, query, 1)
        value = project(self.self_attn, tgt, 2)
        if cache:
            key = torch.cat([cache["keys"], key], dim=2)
            value = torch.cat([cache["values"], value], dim=2)
        cache["keys"], cache["values"] = key, value
        attn = attend(self.self_attn, project(self.self_attn, query, 0), key, value)
        tgt = self.norm1(tgt + attn)
        bias = self.cross_bias(tgt, memory_padding_mask, feat_shape, valid_ratio)
        if bias is None:
            pad = torch.zeros_like(memory_padding_mask, dtype=tgt.dtype)
            bias = pad.masked_fill(memory_padding_mask, float("-inf"))[:, None, None, :]
        else:
            bias = bias.view(tgt.shape[0], self.num_heads, 1, -1)  # (B * heads, 1, S) -> 4-D
        q = project(self.cross_attn, tgt + query_pos, 0)
        attn = attend(self.cross_attn, q, *memory_kv, bias)
        tgt = self.norm2(tgt + attn)
        return self.norm3(tgt + self.ffn(tgt))

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

        Returns:
            (B, T, C).
        """
        q = k = tgt + query_pos
        attn = self.self_attn(q, k, tgt, attn_mask=causal_mask)[0]
        tgt = self.norm1(tgt + self.drop1(attn))
        # (B * heads, T, S) float bias with the padding folded in, or the plain padding mask
        bias = self.cross_bias(tgt, memory_padding_mask, feat_shape, valid_ratio)
        key_mask = memory_padding_mask if bias is None else None
        attn = self.cross_attn(
            tgt + query_pos, memory + memory_pos, memory, key_padding_mask=key_mask, attn_mask=bias
        )[0]
        tgt = self.norm2(tgt + self.drop2(attn))
        return self.norm3(tgt + self.drop3(self.ffn(tgt)))
