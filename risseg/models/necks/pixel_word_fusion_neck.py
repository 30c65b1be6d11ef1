"""Pixel-word attention on chosen backbone levels, added to them (TRIS stage 2)."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from risseg.models.layers.pixel_attention import PixelWordGate
from risseg.registry import MODELS


@MODELS.register_module()
class PixelWordFusionNeck(nn.Module):
    """``V_i + PixelWordGate_i(V_i, words)`` on the levels ``fuse_levels``; the other levels
    pass through (TRIS: C2, C3, C4 fused, C1 not).

    Args:
        in_channels: channels of every backbone level, finest first (CLIP RN50: 256, 512,
            1024, 2048).
        text_dim: channels of the word features (CLIP RN50 text width: 512).
        fuse_levels: indices of the fused levels.
        use_word_mask: ignore padded words (default). False attends to every position, as
            the TRIS release does (its text features have no padding mask).

    Shapes:
        (levels (B, C_i, H_i, W_i), words (B, L, C_l), mask (B, L), sentence) -> the levels,
        same shapes.
    """

    def __init__(
        self,
        in_channels: Sequence[int] = (256, 512, 1024, 2048),
        text_dim: int = 512,
        fuse_levels: Sequence[int] = (1, 2, 3),
        use_word_mask: bool = True,
    ) -> None:
        super().__init__()
        bad = [i for i in fuse_levels if not 0 <= i < len(in_channels)]
        if bad:
            raise ValueError(f"fuse_levels {bad} outside the {len(in_channels)} levels")
        self.fuse_levels = tuple(fuse_levels)
        self.gates = nn.ModuleDict(
            {str(i): PixelWordGate(in_channels[i], text_dim) for i in self.fuse_levels}
        )
        self.use_word_mask = use_word_mask

    def forward(
        self,
        feats: Sequence[Tensor],
        words: Tensor,
        word_mask: Tensor,
        sentence: Tensor | None = None,
    ) -> list[Tensor]:
        """The levels with words fused into ``fuse_levels`` (``sentence`` is unused)."""
        mask = word_mask if self.use_word_mask else None
        return [
            f + self.gates[str(i)](f, words, mask) if str(i) in self.gates else f
            for i, f in enumerate(feats)
        ]
