"""ThresholdRefineLabeler: the plain pseudo mask of a localisation map."""

from __future__ import annotations

import pytest
import torch
from mmengine.structures import PixelData

from risseg.labelers import ThresholdRefineLabeler
from risseg.structures import RISDataSample
from risseg.testing import PseudoLabelerContract


def with_maps(inputs, samples):
    """Attach a response map peaking on the red block of the contract's images."""
    for s in samples:
        s.response_map = PixelData(data=s.gt_mask.data.float() * 0.9 + 0.05)
    return inputs, samples


class TestThresholdRefineLabeler(PseudoLabelerContract):
    cfg = dict(type="ThresholdRefineLabeler", thr=0.5)

    def make_batch(self, kind="random"):
        return with_maps(*super().make_batch(kind))


def _sample(prob: torch.Tensor) -> RISDataSample:
    s = RISDataSample(metainfo=dict(ref_id=7, img_path="a.jpg", img_shape=tuple(prob.shape)))
    s.response_map = PixelData(data=prob[None])
    return s


def test_mask_is_the_map_above_the_threshold():
    prob = torch.tensor([[0.0, 0.2, 0.6], [0.5, 1.0, 0.3]])
    out = ThresholdRefineLabeler(thr=0.4)(
        torch.zeros(1, 3, 2, 3, dtype=torch.uint8), [_sample(prob)]
    )[0]
    assert out.pseudo_mask.data[0].tolist() == [[False, False, True], [True, True, False]]
    assert out.metainfo["pseudo_score"] == pytest.approx((0.6 + 0.5 + 1.0) / 3)
    assert out.metainfo["pseudo_keep"]


def test_empty_mask_is_not_kept():
    out = ThresholdRefineLabeler(thr=0.5)(None, [_sample(torch.full((2, 2), 0.1))])[0]
    assert not out.pseudo_mask.data.any() and not out.metainfo["pseudo_keep"]
    assert out.metainfo["pseudo_score"] == 0.0


def test_bad_maps_are_named():
    with pytest.raises(KeyError, match="ref_id=7"):
        s = _sample(torch.zeros(2, 2))
        del s.response_map
        ThresholdRefineLabeler()(None, [s])
    with pytest.raises(ValueError, match="ref_id=7.*0, 1"):
        ThresholdRefineLabeler()(None, [_sample(torch.full((2, 2), 3.0))])
    with pytest.raises(ValueError, match="ref_id=7"):
        ThresholdRefineLabeler()(
            torch.zeros(1, 3, 4, 4, dtype=torch.uint8), [_sample(torch.zeros(2, 2))]
        )
