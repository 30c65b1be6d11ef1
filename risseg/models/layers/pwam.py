"""Pixel-Word Attention Module (PWAM) of LAVT."""

from __future__ import annotations

from torch import Tensor, nn

from risseg.registry import MODELS


class PixelWordAttention(nn.Module):
    """Cross-attention from pixels (queries) to words (keys/values).

    Queries are instance-normalised 1x1 projections of the pixels; keys and values are 1x1
    projections of the words, zeroed on padded words, whose logits also get -1e4. As in LAVT
    the logits are scaled by ``key_dim ** -0.5`` with the *full* key width, also with several
    heads.

    Args:
        vis_dim: C_v, channels of the pixel features.
        text_dim: C_l, channels of the word features.
        key_dim: channels of queries/keys (and of values and output).
        num_heads: attention heads; ``key_dim`` must be divisible by it.
    """

    def __init__(self, vis_dim: int, text_dim: int, key_dim: int, num_heads: int = 1) -> None:
        super().__init__()
        if key_dim % num_heads:
            raise ValueError(f"key_dim {key_dim} is not divisible by num_heads {num_heads}.")
        self.key_dim = key_dim
        self.num_heads = num_heads
        self.query = nn.Conv1d(vis_dim, key_dim, 1)
        self.query_norm = nn.InstanceNorm1d(key_dim)
        self.key = nn.Conv1d(text_dim, key_dim, 1)
        self.value = nn.Conv1d(text_dim, key_dim, 1)
        self.out = nn.Conv1d(key_dim, key_dim, 1)
        self.out_norm = nn.InstanceNorm1d(key_dim)

    def forward(self, x: Tensor, text: Tensor, text_mask: Tensor) -> Tensor:
        """Attend.

        Args:
            x: (B, N, C_v) pixel tokens (N = H * W).
            text: (B, L, C_l) word features.
            text_mask: (B, L) bool, True on real words.

        Returns:
            (B, N, key_dim) language features gathered for every pixel.
        """
        b, n, _ = x.shape
        h, d = self.num_heads, self.key_dim // self.num_heads
        mask = text_mask.to(x.dtype)[:, None, :]  # (B, 1, L)
        q = self.query_norm(self.query(x.transpose(1, 2)))  # (B, C, N)
        k = self.key(text.transpose(1, 2)) * mask  # (B, C, L)
        v = self.value(text.transpose(1, 2)) * mask  # (B, C, L)
        q = q.reshape(b, h, d, n).transpose(2, 3)  # (B, h, N, d)
        k = k.reshape(b, h, d, -1)  # (B, h, d, L)
        v = v.reshape(b, h, d, -1).transpose(2, 3)  # (B, h, L, d)
        logits = (q @ k) * self.key_dim**-0.5  # (B, h, N, L)
        logits = logits + (mask[:, None] - 1.0) * 1e4
        attn = logits.softmax(dim=-1)
        out = (
            (attn @ v).permute(0, 1, 3, 2).reshape(b, self.key_dim, n)
        )  # (B, h, N, d) -> (B, C, N)
        return self.out_norm(self.out(out)).transpose(1, 2)  # (B, N, C)


@MODELS.register_module()
class PWAM(nn.Module):
    """LAVT's pixel-word attention module: F = GELU(W_m(GELU(W_v X) * Attn(X, words))).

    Paper: https://arxiv.org/abs/2112.02244 (Sec. 3.2).

    Args:
        dim: C, channels of the stage's pixel tokens (also the output width).
        text_dim: C_l, channels of the word features (768 for BERT-base).
        num_heads: heads of the pixel-word attention (LAVT default 1).
        dropout: dropout after the visual and the multi-modal projections.
    """

    def __init__(self, dim: int, text_dim: int = 768, num_heads: int = 1, dropout: float = 0.0):
        super().__init__()
        self.vis_proj = nn.Sequential(nn.Conv1d(dim, dim, 1), nn.GELU(), nn.Dropout(dropout))
        self.attention = PixelWordAttention(dim, text_dim, dim, num_heads=num_heads)
        self.mm_proj = nn.Sequential(nn.Conv1d(dim, dim, 1), nn.GELU(), nn.Dropout(dropout))

    def forward(self, x: Tensor, text: Tensor, text_mask: Tensor) -> Tensor:
        """Fuse words into pixels.

        Args:
            x: (B, N, C) pixel tokens.
            text: (B, L, C_l) word features.
            text_mask: (B, L) bool, True on real words.

        Returns:
            (B, N, C) multi-modal features F.
        """
        vis = self.vis_proj(x.transpose(1, 2))  # (B, N, C) -> (B, C, N)
        lang = self.attention(x, text, text_mask).transpose(1, 2)  # (B, C, N)
        return self.mm_proj(vis * lang).transpose(1, 2)  # (B, C, N) -> (B, N, C)
