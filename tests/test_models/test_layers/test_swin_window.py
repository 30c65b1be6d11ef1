"""Pad-then-shift Swin blocks against a shifted-window attention written from its definition."""

import math

import pytest
import torch
import torch.nn.functional as F
from timm.models.swin_transformer import SwinTransformerBlock, SwinTransformerStage

from risseg.models.layers.swin_window import swin_block_pad_shift, swin_stage_pad_shift


def _block(dim: int, heads: int, window: int, shifted: bool) -> SwinTransformerBlock:
    torch.manual_seed(window * 10 + shifted)
    block = SwinTransformerBlock(
        dim,
        input_resolution=(2 * window, 2 * window),
        num_heads=heads,
        window_size=window,
        shift_size=window // 2 if shifted else 0,
        always_partition=True,
        dynamic_mask=True,
    )
    with torch.no_grad():
        for p in block.parameters():  # non-trivial norms, biases and relative position table
            p.copy_(torch.randn_like(p) * 0.5)
    return block.eval()


def _reference_block(block: SwinTransformerBlock, x: torch.Tensor) -> torch.Tensor:
    """One Swin block from the paper's definition, as one dense masked attention.

    The normalised map is zero-padded at the bottom/right to a multiple of the window M (the
    official segmentation code's padding; padded tokens are keys). Windows are the regular
    M x M grid, or for a shifted block the grid displaced by s = M // 2: cuts at s, s + M, ...
    (partial windows at the borders, no wrap-around). A token attends to every token of its
    window, with the relative position bias B[dy, dx], dy = y_q - y_k, dx = x_q - x_k, read
    from the (2M - 1) x (2M - 1) table in row-major order. No roll, no window partition.
    """
    b, h, w, c = x.shape
    m, s = block.window_size[0], block.shift_size[0]
    heads = block.attn.num_heads
    hp, wp = math.ceil(h / m) * m, math.ceil(w / m) * m
    y = F.layer_norm(x, (c,), block.norm1.weight, block.norm1.bias, block.norm1.eps)
    y = F.pad(y, (0, 0, 0, wp - w, 0, hp - h)).reshape(b, hp * wp, c)
    rows = torch.arange(hp).repeat_interleave(wp)  # (N,) token coordinates, row-major
    cols = torch.arange(wp).repeat(hp)
    win_r, win_c = (rows + m - s) // m, (cols + m - s) // m  # window index along each axis
    same = (win_r[:, None] == win_r[None]) & (win_c[:, None] == win_c[None])  # (N, N)
    dy, dx = rows[:, None] - rows[None], cols[:, None] - cols[None]
    idx = ((dy + m - 1) * (2 * m - 1) + dx + m - 1).clamp(0, (2 * m - 1) ** 2 - 1)
    bias = block.attn.relative_position_bias_table[idx].permute(2, 0, 1)  # (heads, N, N)
    qkv = F.linear(y, block.attn.qkv.weight, block.attn.qkv.bias)
    q, k, v = qkv.reshape(b, -1, 3, heads, c // heads).permute(2, 0, 3, 1, 4)  # (B, h, N, d)
    logits = q @ k.transpose(-2, -1) / math.sqrt(c // heads) + bias
    attn = logits.masked_fill(~same, float("-inf")).softmax(-1)
    out = (attn @ v).transpose(1, 2).reshape(b, hp, wp, c)
    out = F.linear(out, block.attn.proj.weight, block.attn.proj.bias)[:, :h, :w]
    x = x + out
    z = F.layer_norm(x, (c,), block.norm2.weight, block.norm2.bias, block.norm2.eps)
    z = F.linear(
        F.gelu(F.linear(z, block.mlp.fc1.weight, block.mlp.fc1.bias)),
        block.mlp.fc2.weight,
        block.mlp.fc2.bias,
    )
    return x + z


@pytest.mark.parametrize("shifted", [False, True])
@pytest.mark.parametrize("window", [3, 4])
@pytest.mark.parametrize("size", [(7, 9), (13, 10), (3, 5), (8, 12)])
def test_block_matches_definition(size, window, shifted):
    block = _block(dim=8, heads=2, window=window, shifted=shifted)
    x = torch.randn(2, *size, 8)
    with torch.no_grad():
        out = swin_block_pad_shift(block, x)
        ref = _reference_block(block, x)
    assert out.shape == x.shape
    assert (out - ref).abs().max() < 1e-5


@pytest.mark.parametrize("size", [(8, 12), (4, 16)])
def test_same_as_timm_when_sides_are_multiples_of_the_window(size):
    """Both orders coincide on a map tiled by whole windows (e.g. the toy SynthRef stages)."""
    for shifted in (False, True):
        block = _block(dim=8, heads=2, window=4, shifted=shifted)
        x = torch.randn(2, *size, 8)
        with torch.no_grad():
            assert torch.allclose(swin_block_pad_shift(block, x), block(x), atol=1e-6)


def test_stage_merges_then_runs_blocks_and_checkpointing_keeps_the_result():
    torch.manual_seed(0)
    stage = SwinTransformerStage(
        dim=4,
        out_dim=8,
        input_resolution=(20, 18),
        depth=2,
        downsample=True,
        num_heads=2,
        window_size=4,
        always_partition=True,
        dynamic_mask=True,
    )
    x = torch.randn(1, 20, 18, 4)  # merged to 10 x 9: neither side a multiple of 4
    with torch.no_grad():
        ref = stage.downsample(x)
        for block in stage.blocks:
            ref = _reference_block(block, ref)
        out = swin_stage_pad_shift(stage, x)
    assert out.shape == (1, 10, 9, 8)
    assert (out - ref).abs().max() < 1e-5
    stage.grad_checkpointing = True  # what SwinTransformer.set_grad_checkpointing sets
    x.requires_grad_(True)
    out_ckpt = swin_stage_pad_shift(stage, x)
    out_ckpt.sum().backward()
    assert torch.allclose(out_ckpt.detach(), out, atol=1e-6)
    assert x.grad is not None and stage.blocks[1].attn.qkv.weight.grad is not None
