"""timm Swin blocks run in the original Swin window order: pad to the window grid, then shift.

timm's ``SwinTransformerBlock`` rolls the (H, W) map before padding it to a multiple of the
window and builds the shifted-window mask on the padded grid, so when a side is not a multiple
of the window its windows and mask differ from the official Swin (microsoft/Swin-Transformer
segmentation code, LAVT), which pads first, rolls the padded (Hp, Wp) map and masks on that
grid. The functions here run a timm block's own submodules (``norm1``, ``attn``,
``drop_path1``, ``norm2``, ``mlp``, ``drop_path2``) in the official order, so parameter names
and checkpoints stay timm's. When both sides are multiples of the window the two orders are
identical.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from timm.models.swin_transformer import (
    SwinTransformerBlock,
    SwinTransformerStage,
    window_partition,
    window_reverse,
)
from torch import Tensor
from torch.utils.checkpoint import checkpoint


def _shifted_window_mask(
    hp: int, wp: int, window: tuple[int, int], shift: tuple[int, int], like: Tensor
) -> Tensor:
    """Additive SW-MSA mask of the rolled (hp, wp) grid: 0 within a region, -100 across.

    Returns:
        (num_windows, window_area, window_area) in ``like``'s dtype and device.
    """
    region = torch.zeros(1, hp, wp, 1, dtype=like.dtype, device=like.device)
    cuts_h = ((0, hp - window[0]), (hp - window[0], hp - shift[0]), (hp - shift[0], hp))
    cuts_w = ((0, wp - window[1]), (wp - window[1], wp - shift[1]), (wp - shift[1], wp))
    label = 0
    for h0, h1 in cuts_h:
        for w0, w1 in cuts_w:
            region[:, h0:h1, w0:w1] = label
            label += 1
    ids = window_partition(region, window).flatten(1)  # (nW, area)
    diff = ids[:, None, :] - ids[:, :, None]  # (nW, area, area)
    return torch.zeros_like(diff).masked_fill(diff != 0, -100.0)


def _window_attention(block: SwinTransformerBlock, x: Tensor) -> Tensor:
    """(W-)MSA / SW-MSA of normalised tokens, padded first, then cyclically shifted.

    Args:
        block: a timm ``SwinTransformerBlock`` (its ``window_size``, ``shift_size``, ``attn``).
        x: (B, H, W, C) tokens after ``norm1``.

    Returns:
        (B, H, W, C) attention output (before the residual).
    """
    b, h, w, c = x.shape
    window, shift = tuple(block.window_size), tuple(block.shift_size)
    x = F.pad(x, (0, 0, 0, (-w) % window[1], 0, (-h) % window[0]))  # zeros after norm1
    hp, wp = x.shape[1:3]
    mask = None
    if any(shift):
        x = torch.roll(x, shifts=(-shift[0], -shift[1]), dims=(1, 2))
        mask = _shifted_window_mask(hp, wp, window, shift, x)
    windows = window_partition(x, window).view(-1, window[0] * window[1], c)
    windows = block.attn(windows, mask=mask)  # (nW * B, area, C)
    x = window_reverse(windows.view(-1, window[0], window[1], c), window, hp, wp)
    if any(shift):
        x = torch.roll(x, shifts=shift, dims=(1, 2))
    return x[:, :h, :w].contiguous()


def swin_block_pad_shift(block: SwinTransformerBlock, x: Tensor) -> Tensor:
    """Run a timm Swin block with the official pad-then-shift window order.

    Args:
        block: a timm ``SwinTransformerBlock`` built with ``always_partition=True`` (its
            window and shift are used as given, whatever the map size).
        x: (B, H, W, C) channels-last tokens, any H, W.

    Returns:
        (B, H, W, C): x + DropPath(SW-MSA(LN(x))), then + DropPath(MLP(LN(.))).
    """
    x = x + block.drop_path1(_window_attention(block, block.norm1(x)))
    return x + block.drop_path2(block.mlp(block.norm2(x)))


def swin_stage_pad_shift(stage: SwinTransformerStage, x: Tensor) -> Tensor:
    """A timm Swin stage (patch merging, then its blocks) with the official window order.

    Honours ``stage.grad_checkpointing`` (set by timm's ``set_grad_checkpointing``) when
    gradients are enabled.

    Args:
        stage: a timm ``SwinTransformerStage``.
        x: (B, H, W, C) channels-last tokens.

    Returns:
        (B, H', W', C') with H' = ceil(H / 2) after a patch merging, else H.
    """
    x = stage.downsample(x)
    for block in stage.blocks:
        if stage.grad_checkpointing and torch.is_grad_enabled():
            x = checkpoint(swin_block_pad_shift, block, x, use_reentrant=False)
        else:
            x = swin_block_pad_shift(block, x)
    return x
