"""TRIS bilateral prompt: visual <-> text cross-attention between pixels and sentences."""

from __future__ import annotations

import math

from torch import Tensor, nn


def _visual_branch(dim: int, mid: int) -> nn.Sequential:
    """1x1 conv -> InstanceNorm (affine) -> ReLU on a (B, C, h, w) map."""
    return nn.Sequential(
        nn.Conv2d(dim, mid, 1), nn.InstanceNorm2d(mid, affine=True), nn.ReLU(inplace=True)
    )


def _text_branch(dim: int, mid: int) -> nn.Sequential:
    """Linear -> ReLU on (B, N, C) sentence features."""
    return nn.Sequential(nn.Linear(dim, mid), nn.ReLU(inplace=True))


class BilateralPrompt(nn.Module):
    """Bilateral prompt of TRIS (Liu et al., ICCV 2023, https://arxiv.org/abs/2308.14575).

    Pixels attend to the sentences (visual prompt) and each sentence attends to the pixels
    (text prompt), with separate query / key / value branches on each side:
    ``V' = OutV(softmax(Qv Kt^T / sqrt(C)) Vt)`` and ``T' = OutT(softmax(Qt Kv^T / sqrt(C)) Vv)``.
    The caller adds them back with a small weight (TRIS: ``V + 0.1 V'``, ``T + 0.1 T'``).

    Args:
        dim: C, the channels of both the visual map and the sentence features.
        mid: channels of the attention branches (default ``dim``).
    """

    def __init__(self, dim: int, mid: int | None = None) -> None:
        super().__init__()
        mid = mid or dim
        self.scale = 1.0 / math.sqrt(dim)
        self.v_query, self.v_key, self.v_value = (_visual_branch(dim, mid) for _ in range(3))
        self.t_query, self.t_key, self.t_value = (_text_branch(dim, mid) for _ in range(3))
        self.v_out = nn.Sequential(nn.Conv2d(mid, dim, 1), nn.InstanceNorm2d(dim, affine=True))
        self.t_out = nn.Linear(mid, dim)

    def forward(self, vis: Tensor, lang: Tensor) -> tuple[Tensor, Tensor]:
        """Cross-attend pixels and sentences.

        Args:
            vis: (B, C, h, w) visual map.
            lang: (B, N, C) the N sentence features each image sees.

        Returns:
            ``(vis_prompt (B, C, h, w), lang_prompt (B, N, C))``, the residuals V' and T'.
        """
        b, _, h, w = vis.shape
        q_v = self.v_query(vis).flatten(2).transpose(1, 2)  # (B, M, h, w) -> (B, hw, M)
        k_v = self.v_key(vis).flatten(2)  # (B, M, hw)
        v_v = self.v_value(vis).flatten(2).transpose(1, 2)  # (B, hw, M)
        q_t, k_t, v_t = self.t_query(lang), self.t_key(lang), self.t_value(lang)  # (B, N, M)
        attn_v = (q_v @ k_t.transpose(1, 2) * self.scale).softmax(dim=-1)  # (B, hw, N)
        attn_t = (q_t @ k_v * self.scale).softmax(dim=-1)  # (B, N, hw)
        vis_prompt = (attn_v @ v_t).transpose(1, 2).reshape(b, -1, h, w)  # -> (B, M, h, w)
        return self.v_out(vis_prompt), self.t_out(attn_t @ v_v)
