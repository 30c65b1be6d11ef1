"""Every registered head in a tiny form through the head contract
(risseg.testing._contracts.HeadContract; coverage: tests/test_testing/test_contract_coverage.py)."""

from __future__ import annotations

import torch

from risseg.models.heads import HeadInputs
from risseg.testing._contracts import HeadContract


def _maps(batch: int, channels: tuple[int, ...], strides: tuple[int, ...], size: int) -> list:
    g = torch.Generator().manual_seed(0)
    return [
        torch.randn(batch, c, size // s, size // s, generator=g)
        for c, s in zip(channels, strides, strict=True)
    ]


class TestSimpleMaskHead(HeadContract):
    cfg = dict(type="SimpleMaskHead", in_channels=6, num_levels=3, channels=5)

    def make_feats(self, batch: int) -> HeadInputs:
        return HeadInputs(visual=_maps(batch, (6, 6, 6), (4, 8, 16), self.size))


class TestLAVTDecoderHead(HeadContract):
    cfg = dict(
        type="LAVTDecoderHead",
        in_channels=(4, 8, 8, 8),
        hidden_dim=8,
        loss_dice=dict(type="DiceLoss"),
    )

    def make_feats(self, batch: int) -> HeadInputs:
        return HeadInputs(visual=_maps(batch, (4, 8, 8, 8), (4, 8, 16, 32), self.size))


class TestSeqHead(HeadContract):
    cfg = dict(
        type="SeqHead",
        in_channels=16,
        num_points=4,
        d_model=16,
        num_heads=2,
        ffn_dim=32,
        num_encoder_layers=1,
        num_decoder_layers=1,
        dropout=0.0,
        language_token=True,
        task_prompt=True,
        cctf=True,
        point_bias=True,
        dense_loss_weight=1.0,
        dense_guided_start=True,
    )

    def make_feats(self, batch: int) -> HeadInputs:
        g = torch.Generator().manual_seed(0)
        return HeadInputs(
            visual=torch.randn(batch, 16, 4, 4, generator=g),
            lang=torch.randn(batch, 16, generator=g),
        )


class TestSeqHeadBox(TestSeqHead):
    cfg = dict(
        type="SeqHead",
        task="box",
        in_channels=16,
        num_points=4,
        d_model=16,
        num_heads=2,
        ffn_dim=32,
        num_encoder_layers=1,
        num_decoder_layers=1,
        dropout=0.0,
    )
