"""CRISHead and its layers: contract, shapes, the sentence filter, the encodings, predict."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from risseg.models.heads import HeadInputs
from risseg.models.heads.cris_head import CRISHead
from risseg.models.layers.cris_decoder import (
    TextToPixelProjector,
    VLTransformerDecoder,
    sine_encoding_1d,
    sine_encoding_2d,
)
from risseg.testing import random_words
from risseg.testing._contracts import HeadContract, head_samples

HEAD = dict(
    type="CRISHead",
    in_channels=8,
    text_dim=6,
    sentence_dim=10,
    num_layers=2,
    num_heads=2,
    ffn_channels=16,
    dropout=0.0,
)


def cris_feats(batch: int, size: int = 64) -> HeadInputs:
    g = torch.Generator().manual_seed(0)
    words, mask = random_words(batch, 5, 6)
    visual = torch.randn(batch, 8, size // 16, size // 16, generator=g)
    lang = torch.randn(batch, 10, generator=g)
    return HeadInputs(visual=visual, words=words, word_mask=mask, lang=lang)


class TestCRISHead(HeadContract):
    cfg = HEAD

    def make_feats(self, batch: int) -> HeadInputs:
        return cris_feats(batch, self.size)


def test_output_is_stride_4():
    head = CRISHead(**{k: v for k, v in HEAD.items() if k != "type"}).eval()
    assert head(cris_feats(2, 64)).shape == (2, 1, 16, 16)


def test_sine_encodings_follow_the_formula():
    pe = sine_encoding_1d(5, 8)
    p, i = 3, 2  # position 3, frequency index 2 -> channels 4 (sin) and 5 (cos)
    angle = p / 10000 ** (2 * i / 8)
    torch.testing.assert_close(pe[p, 4], torch.tensor(math.sin(angle)))
    torch.testing.assert_close(pe[p, 5], torch.tensor(math.cos(angle)))
    pe2 = sine_encoding_2d(3, 4, 8)  # row 2, column 1 -> index 2 * 4 + 1
    torch.testing.assert_close(pe2[9, :4], sine_encoding_1d(4, 4)[1])
    torch.testing.assert_close(pe2[9, 4:], sine_encoding_1d(3, 4)[2])


def test_projector_applies_each_sentences_own_filter():
    torch.manual_seed(0)
    proj = TextToPixelProjector(8, 10, 4).eval()
    vis, sent = torch.randn(3, 8, 4, 4), torch.randn(3, 10)
    out = proj(vis, sent)
    assert out.shape == (3, 1, 16, 16)
    x = proj.vis(vis)
    for b in range(3):
        params = proj.txt(sent[b])
        want = F.conv2d(x[b : b + 1], params[:-1].reshape(1, 4, 3, 3), params[-1:], padding=1)
        torch.testing.assert_close(out[b : b + 1], want, atol=1e-5, rtol=1e-4)


def test_decoder_ignores_padded_words():
    torch.manual_seed(0)
    dec = VLTransformerDecoder(8, 6, num_layers=2, num_heads=2, ffn_channels=16, dropout=0.0)
    words, mask = random_words(2, 5, 6)
    other = words.clone()
    other[~mask] = 100.0
    vis = torch.randn(2, 8, 3, 3)
    torch.testing.assert_close(dec(vis, words, mask), dec(vis, other, mask))


def test_predict_thresholds_the_probability_at_the_original_size():
    torch.manual_seed(0)
    head = CRISHead(**{k: v for k, v in HEAD.items() if k != "type"}, prob_thr=0.35).eval()
    samples = head_samples(2, 64)
    for s in samples:  # a 64x64 letterbox of a 32x64 image at offset (0, 16)
        s.set_metainfo(dict(ori_shape=(16, 32), img_shape=(32, 64), img_offset=(0, 16)))
    out = head.predict(cris_feats(2), samples, {})
    prob = out[0].pred_logits.data.sigmoid()
    assert out[0].pred_mask.data.shape == (1, 16, 32)
    assert torch.equal(out[0].pred_mask.data, prob > 0.35)
    high = head.predict(cris_feats(2), head_samples(2, 64), {"mask_thr": 10.0})
    assert not high[0].pred_mask.data.any()
