"""DeepSupFPNHead: TRIS's FPN decoder with four deep-supervision outputs."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from risseg.models.heads import DeepSupFPNHead, HeadInputs
from risseg.testing._contracts import HeadContract, head_samples

CHANNELS = (4, 6, 8, 8)


def _feats(batch: int, size: int = 64) -> HeadInputs:
    g = torch.Generator().manual_seed(0)
    sides = [size // s for s in (4, 8, 16, 32)]
    return HeadInputs(
        visual=[
            torch.randn(batch, c, s, s, generator=g) for c, s in zip(CHANNELS, sides, strict=True)
        ]
    )


class TestDeepSupFPNHead(HeadContract):
    cfg = dict(type="DeepSupFPNHead", in_channels=CHANNELS, channels=(8, 16, 32, 64))

    def make_feats(self, batch: int) -> HeadInputs:
        return _feats(batch, self.size)


def test_output_strides_and_widths():
    head = DeepSupFPNHead(CHANNELS, channels=(8, 16, 32, 64)).eval()
    outs = head.decoder(_feats(2))
    # D1 at C1 (stride 4), D2 at C1, D3 at C2, D4 at C3: each decoded level is up-sampled
    assert [tuple(o.shape) for o in outs] == [
        (2, 1, 16, 16),
        (2, 1, 16, 16),
        (2, 1, 8, 8),
        (2, 1, 4, 4),
    ]
    assert torch.equal(head(_feats(2)), outs[0])


def test_loss_is_the_weighted_bce_of_each_output():
    torch.manual_seed(0)
    head = DeepSupFPNHead(CHANNELS, channels=(8, 16, 32, 64), weights=(1.0, 0.5, 2.0, 0.0)).eval()
    samples = head_samples(2, 64)
    feats = _feats(2)
    losses = head.loss(feats, samples)
    gt = torch.stack([s.gt_mask.data.float() for s in samples])
    for k, (logit, w) in enumerate(zip(head.decoder(feats), (1.0, 0.5, 2.0, 0.0), strict=True)):
        up = F.interpolate(logit, size=(64, 64), mode="bilinear", align_corners=False)
        expected = w * F.binary_cross_entropy_with_logits(up, gt)
        assert losses[f"loss_bce_d{k + 1}"].item() == pytest.approx(expected.item(), rel=1e-5)


def test_samples_without_masks_give_zero_losses():
    head = DeepSupFPNHead(CHANNELS, channels=(8, 16, 32, 64))
    samples = head_samples(2, 64)
    for s in samples:
        s.set_metainfo(dict(supervision="none"))
    losses = head.loss(_feats(2), samples)
    assert sorted(losses) == [f"loss_bce_d{k}" for k in (1, 2, 3, 4)]
    assert all(v.item() == 0 for v in losses.values())
