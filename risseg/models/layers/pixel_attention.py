"""TRIS's pixel-word attention: words gathered per pixel, gating a projection of the pixels."""

from __future__ import annotations

from torch import Tensor, nn


class PixelWordGate(nn.Module):
    """``ReLU(W_o(ReLU(W_m V) * IN(W_w(Attn(IN(W_q V), words)))))``, the pixel-word attention
    of TRIS's stage-2 network (after LAVT's PWAM; https://arxiv.org/abs/2308.14575).

    Queries are instance-normalised 1x1 projections of the pixels, keys and values 1x1
    projections of the words; the softmax over words uses ``1 / sqrt(C)``. With a word mask,
    padded words get no attention (TRIS attends to every position: pass ``word_mask=None``).

    Args:
        vis_dim: C, channels of the pixel features (also queries, keys, values and output).
        text_dim: channels of the word features.
    """

    def __init__(self, vis_dim: int, text_dim: int) -> None:
        super().__init__()
        self.key = nn.Conv1d(text_dim, vis_dim, 1)
        self.value = nn.Conv1d(text_dim, vis_dim, 1)
        self.query = nn.Sequential(
            nn.Conv2d(vis_dim, vis_dim, 1), nn.InstanceNorm2d(vis_dim, affine=True)
        )
        self.gate = nn.Sequential(
            nn.Conv2d(vis_dim, vis_dim, 1), nn.InstanceNorm2d(vis_dim, affine=True)
        )
        self.vis = nn.Sequential(nn.Conv2d(vis_dim, vis_dim, 1), nn.ReLU())
        self.out = nn.Sequential(nn.Conv2d(vis_dim, vis_dim, 1), nn.ReLU())
        self.scale = vis_dim**-0.5

    def forward(self, x: Tensor, words: Tensor, word_mask: Tensor | None = None) -> Tensor:
        """Fuse.

        Args:
            x: (B, C, H, W) pixel features.
            words: (B, L, C_l) word features.
            word_mask: (B, L) bool, True on real words, or None (attend to all positions).

        Returns:
            (B, C, H, W) language-gated features (no residual: the caller adds ``x``).
        """
        b, c, h, w = x.shape
        text = words.transpose(1, 2)  # (B, L, C_l) -> (B, C_l, L)
        k, v = self.key(text), self.value(text)  # (B, C, L)
        q = self.query(x).flatten(2).transpose(1, 2)  # (B, C, H, W) -> (B, HW, C)
        logits = (q @ k) * self.scale  # (B, HW, L)
        if word_mask is not None:
            logits = logits.masked_fill(~word_mask[:, None, :].bool(), float("-inf"))
        gathered = logits.softmax(-1) @ v.transpose(1, 2)  # (B, HW, C)
        gathered = gathered.transpose(1, 2).reshape(b, c, h, w)  # (B, HW, C) -> (B, C, H, W)
        return self.out(self.vis(x) * self.gate(gathered))
