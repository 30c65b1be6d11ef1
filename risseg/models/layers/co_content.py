"""Partial-RES co-content teacher forcing (CCTF): a memory "content" vector per coordinate token."""

from __future__ import annotations

import torch
from torch import Tensor

CCTF_AXES = ("natural", "release")


def co_content(
    grid: Tensor, tokens: Tensor, num_bins: int, *, first_is_x: bool = True, axes: str = "natural"
) -> Tensor:
    """The content vector added to each coordinate token's embedding (CCTF).

    A token's normalised coordinate f = token / num_bins (END tokens give 1.0) selects one
    line of the encoder's visual memory, whose mean is the content:

    - ``axes='natural'`` (risseg's default): an x token reads the **column**
      floor(f * (w - 1)) averaged over the height, a y token the **row** floor(f * (h - 1))
      averaged over the width, i.e. each coordinate reads the features at that coordinate.
    - ``axes='release'``: the convention of the Partial-RES release: an x token reads the
      **row** floor(f * (h - 1)) and a y token the **column** floor(f * (w - 1)). Use it to
      reproduce released checkpoints and numbers.

    Args:
        grid: (B, h, w, C) visual part of the encoder memory.
        tokens: (B, T) coordinate tokens in [0, num_bins] (num_bins = END).
        num_bins: number of coordinate bins.
        first_is_x: whether tokens[:, 0] is an x coordinate (tokens then alternate x, y).
        axes: 'natural' or 'release' (see above).

    Returns:
        (B, T, C) content vectors.
    """
    if axes not in CCTF_AXES:
        raise ValueError(f"axes must be one of {CCTF_AXES}, got {axes!r}")
    b, h, w, c = grid.shape
    row_mean = grid.mean(dim=2)  # (B, h, C): each row averaged over the width
    col_mean = grid.mean(dim=1)  # (B, w, C): each column averaged over the height
    frac = tokens.clamp(0, num_bins).float() / num_bins  # (B, T)
    row_idx = torch.floor(frac * (h - 1)).long().clamp(0, h - 1)
    col_idx = torch.floor(frac * (w - 1)).long().clamp(0, w - 1)
    from_rows = row_mean.gather(1, row_idx[..., None].expand(-1, -1, c))  # (B, T, C)
    from_cols = col_mean.gather(1, col_idx[..., None].expand(-1, -1, c))
    parity = torch.arange(tokens.shape[1], device=tokens.device) % 2
    is_x = (parity == 0) if first_is_x else (parity == 1)
    x_reads_cols = axes == "natural"
    x_content, y_content = (from_cols, from_rows) if x_reads_cols else (from_rows, from_cols)
    return torch.where(is_x[None, :, None], x_content, y_content)
