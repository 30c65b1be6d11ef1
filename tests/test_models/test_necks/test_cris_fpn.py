"""CRISFPN: contract and shapes."""

from __future__ import annotations

import pytest
import torch

from risseg.models.necks.cris_fpn import CRISFPN
from risseg.testing import NeckContract, random_words


class TestCRISFPN(NeckContract):
    cfg = dict(type="CRISFPN", in_channels=(6, 8, 10), channels=(4, 8, 12), text_dim=5)

    def make_inputs(self, batch):
        words, mask = random_words(batch, 4, 5)
        return self.image_levels(batch, (6, 8, 10), (8, 4, 2)), words, mask, words[:, 0]


def test_output_is_stride_16_with_the_middle_width():
    fpn = CRISFPN((6, 8, 10), (4, 8, 12), text_dim=5).eval()
    feats = [torch.randn(2, c, s, s) for c, s in ((6, 26), (8, 13), (10, 7))]  # 416 / 8, 16, 32
    out = fpn(feats, None, None, torch.randn(2, 5))
    assert out.shape == (2, 8, 13, 13) and fpn.out_channels == 8


def test_sentence_changes_the_output_and_is_required():
    fpn = CRISFPN((6, 8, 10), (4, 8, 12), text_dim=5).eval()
    feats = [torch.randn(1, c, s, s) for c, s in ((6, 8), (8, 4), (10, 2))]
    a = fpn(feats, sentence=torch.randn(1, 5))
    b = fpn(feats, sentence=torch.randn(1, 5))
    assert not torch.allclose(a, b)
    with pytest.raises(ValueError, match="sentence"):
        fpn(feats)
