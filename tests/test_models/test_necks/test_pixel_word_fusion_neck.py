"""PixelWordFusionNeck and its PixelWordGate layer (TRIS stage 2)."""

from __future__ import annotations

import pytest
import torch

from risseg.models.layers.pixel_attention import PixelWordGate
from risseg.models.necks import PixelWordFusionNeck
from risseg.testing._contracts import NeckContract, random_words


class TestPixelWordFusionNeck(NeckContract):
    cfg = dict(type="PixelWordFusionNeck", in_channels=(4, 6, 8, 8), text_dim=5)

    def make_inputs(self, batch):
        words, mask = random_words(batch, 6, 5)
        levels = self.image_levels(batch, (4, 6, 8, 8), (16, 8, 4, 2))
        return levels, words, mask, words[:, 0]


def test_shapes_and_unfused_first_level():
    neck = PixelWordFusionNeck((4, 6, 8, 8), text_dim=5).eval()
    levels = NeckContract.image_levels(2, (4, 6, 8, 8), (16, 8, 4, 2))
    words, mask = random_words(2, 6, 5)
    out = neck(levels, words, mask)
    assert [tuple(o.shape) for o in out] == [tuple(x.shape) for x in levels]
    assert torch.equal(out[0], levels[0])  # C1 passes through
    assert not torch.equal(out[1], levels[1])


def test_padded_words_are_ignored_unless_the_release_switch_is_set():
    torch.manual_seed(0)
    gate = PixelWordGate(6, 5).eval()
    x = torch.randn(1, 6, 4, 4)
    words = torch.randn(1, 4, 5)
    mask = torch.tensor([[True, True, False, False]])
    other = words.clone()
    other[:, 2:] = torch.randn(1, 2, 5)  # change only the padded positions
    torch.testing.assert_close(gate(x, words, mask), gate(x, other, mask))
    assert not torch.allclose(gate(x, words, None), gate(x, other, None))


def test_bad_fuse_level_is_named():
    with pytest.raises(ValueError, match="fuse_levels"):
        PixelWordFusionNeck((4, 6), fuse_levels=(1, 2))
