"""SeqTRFusionNeck shapes and the tanh gating."""

from __future__ import annotations

import torch

from risseg.models.necks.seqtr_fusion import SeqTRFusionNeck


def _feats(b=2):
    return [torch.rand(b, 16, 8, 8), torch.rand(b, 32, 4, 4), torch.rand(b, 64, 2, 2)]


def test_shapes_and_range():
    neck = SeqTRFusionNeck((16, 32, 64), text_channels=24, out_channels=48).eval()
    out = neck(_feats(), torch.randn(2, 24))
    assert out.shape == (2, 48, 2, 2)
    assert out.abs().max() <= 1.0


def test_language_token_and_zero_text():
    neck = SeqTRFusionNeck((16, 32, 64), text_channels=64, out_channels=64, return_text_token=True)
    fused, lang = neck.eval()(_feats(), torch.zeros(2, 64))
    assert lang.shape == (2, 64) and torch.all(lang == 0)
    assert torch.all(fused == 0)  # tanh(0) gates everything off


def test_coord_channels_make_the_map_position_dependent():
    torch.manual_seed(0)
    neck = SeqTRFusionNeck((16, 32, 64), text_channels=8, out_channels=8, coord_channels=True)
    flat = [torch.ones(1, 16, 8, 8), torch.ones(1, 32, 4, 4), torch.ones(1, 64, 2, 2)]
    out = neck.eval()(flat, torch.ones(1, 8))
    assert out.shape == (1, 8, 2, 2)
    # a spatially constant input still gives different features at different cells
    assert not torch.allclose(out[..., 0, 0], out[..., 1, 1])
