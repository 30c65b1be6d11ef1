"""RPP: projection score and selection on hand-made predictions."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from risseg.labelers.rpp import RPPLabeler, box_mask, projection_score
from risseg.registry import LABELERS
from risseg.structures import RISDataSample
from risseg.testing import PseudoLabelerContract


def _sample(mask: np.ndarray, box, supervision="box") -> RISDataSample:
    s = RISDataSample(metainfo=dict(supervision=supervision))
    s.pred_mask = PixelData(data=torch.from_numpy(mask)[None])
    s.gt_bbox = torch.tensor(box, dtype=torch.float32)
    return s


def test_projection_score_hand_computed():
    box = (2, 2, 6, 6)
    assert projection_score(box_mask(box, 10, 10), box) == pytest.approx(0.0, abs=1e-5)
    # an ellipse-like diamond inside the box touches all four sides: projections match
    m = np.zeros((10, 10), bool)
    m[2:6, 3:5] = True
    m[3:5, 2:6] = True
    assert projection_score(m, box) == pytest.approx(0.0, abs=1e-5)
    # half the width: x-projection dice = 1 - 2*2/(2+4) = 1/3, y = 0 -> P = 1/6
    m = np.zeros((10, 10), bool)
    m[2:6, 2:4] = True
    assert projection_score(m, box) == pytest.approx(1 / 6, abs=1e-5)


def test_labeler_selects_and_skips():
    labeler = LABELERS.build(dict(type="RPPLabeler", score_thr=0.1))
    box = (2, 2, 6, 6)
    good = _sample(box_mask(box, 10, 10), box)
    half = np.zeros((10, 10), bool)
    half[2:6, 2:4] = True
    bad = _sample(half, box)
    empty = _sample(np.zeros((10, 10), bool), box)
    labeled = _sample(box_mask(box, 10, 10), box, supervision="mask")
    out = labeler(None, [good, bad, empty, labeled])
    assert [s.pseudo_keep for s in out] == [True, False, False, False]
    assert out[0].pseudo_score == pytest.approx(1.0, abs=1e-5)
    assert out[1].rpp_loss == pytest.approx(1 / 6, abs=1e-5)
    assert out[0].pseudo_mask.data.dtype == torch.bool


def test_deterministic():
    rng = np.random.default_rng(0)
    m = rng.random((16, 16)) > 0.5
    a = RPPLabeler()(None, [_sample(m, (0, 0, 16, 16))])[0].rpp_loss
    b = RPPLabeler()(None, [_sample(m, (0, 0, 16, 16))])[0].rpp_loss
    assert a == b and isinstance(RPPLabeler(), torch.nn.Module)


class TestRPPLabeler(PseudoLabelerContract):
    cfg = dict(type="RPPLabeler", score_thr=0.1)

    def make_batch(self, kind="random"):
        inputs, samples = super().make_batch(kind)
        h, w = self.size
        for i, s in enumerate(samples):
            pred = torch.zeros(1, h, w, dtype=torch.bool)
            pred[:, 4:12, 4 + i : 14] = True
            s.pred_mask = PixelData(data=pred)
            s.gt_bbox = torch.tensor([4.0, 4.0, 14.0, 12.0])
        return inputs, samples

    def test_keeps_the_box_consistent_sample(self):
        inputs, samples = self.make_batch()
        out = self.build()(inputs, samples)
        assert out[0].pseudo_keep and out[0].rpp_loss < 0.1
