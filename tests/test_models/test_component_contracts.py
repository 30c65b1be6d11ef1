"""Every registered backbone, text encoder and neck in a tiny form through its contract
(risseg.testing; coverage: tests/test_testing/test_contract_coverage.py)."""

from __future__ import annotations

from risseg.testing import (
    TINY_BERT,
    BackboneContract,
    NeckContract,
    TextEncoderContract,
    random_words,
)

# backbones


class TestTimmBackbone(BackboneContract):
    cfg = dict(type="TimmBackbone", model_name="test_resnet", out_indices=(1, 2, 3))


class TestDarkNet53(BackboneContract):
    cfg = dict(type="DarkNet53", widen_factor=0.0625, num_blocks=(1, 1, 1, 1, 1))


class TestSwinPWAM(BackboneContract):
    cfg = dict(
        type="SwinPWAM",
        embed_dim=8,
        depths=(1, 1),
        num_heads=(1, 2),
        window_size=2,
        drop_path_rate=0.0,
        text_dim=6,
        fusion_heads=(1, 1),
    )
    text_dim = 6


class TestTinyBackbone(BackboneContract):
    cfg = dict(type="TinyBackbone")


# text encoders


class TestBertTextEncoder(TextEncoderContract):
    cfg = dict(type="BertTextEncoder", config=dict(TINY_BERT, num_hidden_layers=2))


class TestGRUTextEncoder(TextEncoderContract):
    cfg = dict(type="GRUTextEncoder", vocab_size=30, embed_dim=8, hidden=4)


class TestTinyTextEncoder(TextEncoderContract):
    cfg = dict(type="TinyTextEncoder", vocab_size=30)


# necks


class TestFiLMFusionNeck(NeckContract):
    cfg = dict(type="FiLMFusionNeck", in_channels=(4, 6), text_channels=8, channels=6)

    def make_inputs(self, batch):
        words, mask = random_words(batch, 5, 8)
        return self.image_levels(batch, (4, 6), (8, 4)), words, mask, words[:, 0]


class TestPWAM(NeckContract):
    cfg = dict(type="PWAM", dim=6, text_dim=8, num_heads=2)

    def make_inputs(self, batch):
        pixels = self.image_levels(batch, (6,), (4,))[0].flatten(2).transpose(1, 2)  # (B, N, C)
        return (pixels, *random_words(batch, 5, 8))


class TestSeqTRFusionNeck(NeckContract):
    cfg = dict(
        type="SeqTRFusionNeck",
        in_channels=(4, 6, 8),
        text_channels=10,
        out_channels=6,
        return_text_token=True,
        coord_channels=True,
    )

    def make_inputs(self, batch):
        words, _ = random_words(batch, 1, 10)
        return self.image_levels(batch, (4, 6, 8), (16, 8, 4)), words[:, 0]
