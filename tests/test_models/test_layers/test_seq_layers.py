"""Positional encodings, co-content (CCTF) and the point Gaussian bias."""

from __future__ import annotations

import pytest
import torch

from risseg.models.layers import (
    LearnedPositionalEncoding1D,
    PointGaussianBias,
    SeqDecoderLayer,
    SinePositionalEncoding2D,
    co_content,
)


def test_sine_encoding_shape_and_padding_independence():
    enc = SinePositionalEncoding2D(8)
    mask = torch.zeros(1, 4, 6, dtype=torch.bool)
    padded = mask.clone()
    padded[:, :, 4:] = True
    a, b = enc(mask), enc(padded)
    assert a.shape == (1, 16, 4, 6)
    # normalised positions: the last valid column reaches 2 pi in both cases
    assert torch.allclose(a[0, 8, 0, 5], b[0, 8, 0, 3], atol=1e-5)


def test_learned_1d():
    pe = LearnedPositionalEncoding1D(5, 8)
    assert pe(3).shape == (3, 8)


def test_co_content_conventions():
    grid = torch.arange(2 * 3 * 1, dtype=torch.float32).reshape(1, 2, 3, 1)  # h=2, w=3
    # rows: [0,1,2] mean 1, [3,4,5] mean 4; cols: [0,3] 1.5, [1,4] 2.5, [2,5] 3.5
    tokens = torch.tensor([[1000, 0]])  # x token at the far right, y token at the top
    natural = co_content(grid, tokens, 1000, axes="natural")
    release = co_content(grid, tokens, 1000, axes="release")
    assert natural.flatten().tolist() == [3.5, 1.0]  # x -> last column, y -> first row
    assert release.flatten().tolist() == [4.0, 1.5]  # x -> last row, y -> first column
    shifted = co_content(grid, tokens, 1000, first_is_x=False, axes="natural")
    assert shifted.flatten().tolist() == [4.0, 1.5]


def test_point_bias_starts_at_zero_and_keeps_extra_tokens_zero():
    pb = PointGaussianBias(16, 4)
    q = torch.randn(2, 5, 16)
    bias = pb(q, (3, 4), torch.ones(2, 2), 13)
    assert bias.shape == (2 * 4, 5, 13)
    assert torch.all(bias == 0)
    torch.nn.init.normal_(pb.mlp[-1].weight)
    bias = pb(q, (3, 4), torch.ones(2, 2), 13)
    assert torch.all(bias[..., :12] <= 0) and bias[..., :12].min() < 0
    assert torch.all(bias[..., 12] == 0)


def test_decoder_layer_with_bias_is_causal():
    layer = SeqDecoderLayer(16, 4, 32, dropout=0.0, point_bias=True).eval()
    memory = torch.randn(1, 7, 16)
    pad = torch.zeros(1, 7, dtype=torch.bool)
    pad[0, 5] = True
    causal = torch.ones(4, 4, dtype=torch.bool).triu(1)
    tgt = torch.randn(1, 4, 16)
    kw = dict(feat_shape=(2, 3), valid_ratio=torch.ones(1, 2))
    out = layer(tgt, torch.zeros(4, 16), memory, torch.zeros_like(memory), pad, causal, **kw)
    tgt2 = tgt.clone()
    tgt2[0, 3] += 1.0
    out2 = layer(tgt2, torch.zeros(4, 16), memory, torch.zeros_like(memory), pad, causal, **kw)
    assert torch.allclose(out[0, :3], out2[0, :3], atol=1e-5)
    assert not torch.allclose(out[0, 3], out2[0, 3])


@pytest.mark.parametrize("point_bias", [False, True])
@pytest.mark.parametrize("batch", [1, 3])
def test_decoder_steps_with_cached_projections_equal_the_causal_pass(point_bias, batch):
    """forward_step, one position at a time with cached keys/values, equals forward."""
    torch.manual_seed(batch)
    layer = SeqDecoderLayer(32, 4, 64, point_bias=point_bias).eval()
    if point_bias:  # the bias MLP starts at zero; make it matter
        for param in layer.point_bias.parameters():
            torch.nn.init.normal_(param, std=0.3)
    t, h, w = 6, 4, 5
    memory, memory_pos = torch.randn(batch, h * w + 1, 32), torch.randn(batch, h * w + 1, 32)
    padding = torch.zeros(batch, h * w + 1, dtype=torch.bool)
    padding[0, 3:5] = True
    tgt, query_pos = torch.randn(batch, t, 32), torch.randn(t, 32)
    ratio = torch.rand(batch, 2) * 0.5 + 0.5
    causal = torch.ones(t, t, dtype=torch.bool).triu(1)
    with torch.no_grad():
        full = layer(
            tgt,
            query_pos,
            memory,
            memory_pos,
            padding,
            causal,
            feat_shape=(h, w),
            valid_ratio=ratio,
        )
        memory_kv, cache = layer.memory_kv(memory, memory_pos), {}
        steps = [
            layer.forward_step(
                tgt[:, i : i + 1],
                query_pos[i : i + 1],
                cache,
                memory_kv,
                padding,
                feat_shape=(h, w),
                valid_ratio=ratio,
            )
            for i in range(t)
        ]
    assert cache["keys"].shape == (batch, 4, t, 8)
    torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=1e-5)
