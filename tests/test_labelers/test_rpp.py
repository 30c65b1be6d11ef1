"""RPP: projection score, the release's polygon round trip and selection on hand-made masks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from risseg.labelers.rpp import (
    RPPLabeler,
    box_mask,
    mask_to_polygons,
    projection_score,
    rasterize_polygons,
    truncated_box_mask,
)
from risseg.registry import LABELERS
from risseg.structures import RISDataSample
from risseg.testing import PseudoLabelerContract


def _sample(mask: np.ndarray, box, supervision="box") -> RISDataSample:
    s = RISDataSample(metainfo=dict(supervision=supervision))
    s.pred_mask = PixelData(data=torch.from_numpy(mask)[None])
    s.gt_bbox = torch.tensor(box, dtype=torch.float64)
    return s


def _rect(h, w, y1, y2, x1, x2) -> np.ndarray:
    m = np.zeros((h, w), bool)
    m[y1:y2, x1:x2] = True
    return m


def test_projection_score_hand_computed():
    box = box_mask((2, 2, 6, 6), 10, 10)
    assert projection_score(box, box) == pytest.approx(0.0, abs=1e-5)
    # a diamond inside the box touches all four sides: both projections match
    m = np.zeros((10, 10), bool)
    m[2:6, 3:5] = True
    m[3:5, 2:6] = True
    assert projection_score(m, box) == pytest.approx(0.0, abs=1e-5)
    # half the width: x loss = 1 - 2*2/(2+4) = 1/3, y loss = 0; the SUM is the score
    assert projection_score(_rect(10, 10, 2, 6, 2, 4), box) == pytest.approx(1 / 3, abs=1e-5)
    # 3 of 4 columns and 2 of 4 rows: 1 - 6/7 + 1 - 4/6
    expected = (1 - 6 / 7) + (1 - 4 / 6)
    assert projection_score(_rect(10, 10, 2, 4, 2, 5), box) == pytest.approx(expected, abs=1e-5)
    # empty mask: both losses are 1
    assert projection_score(np.zeros((10, 10), bool), box) == pytest.approx(2.0, abs=1e-5)


def test_truncated_box_mask_uses_int_of_corner_and_size():
    # xywh (1.7, 2.2, 3.9, 4.7): columns int(1.7) : 1 + int(3.9) = 1:4, rows 2 : 2 + 4 = 2:6
    out = truncated_box_mask((1.7, 2.2, 5.6, 6.9), 10, 10)
    np.testing.assert_array_equal(out, _rect(10, 10, 2, 6, 1, 4))
    # risseg's own box mask covers every touched pixel: 1:6 x 2:7
    np.testing.assert_array_equal(box_mask((1.7, 2.2, 5.6, 6.9), 10, 10), _rect(10, 10, 2, 7, 1, 6))
    # xywh (2.97, 0, 2, 3) stored as xyxy: 4.97 - 2.97 = 1.9999999999999996, still a width of 2
    assert 4.97 - 2.97 < 2
    np.testing.assert_array_equal(
        truncated_box_mask((2.97, 0.0, 4.97, 3.0), 4, 8), _rect(4, 8, 0, 3, 2, 4)
    )


def test_polygons_and_rasterisation():
    rect = _rect(12, 16, 4, 8, 4, 14)
    polys = mask_to_polygons(rect)
    assert polys == [[4.0, 4.0, 4.0, 7.0, 13.0, 7.0, 13.0, 4.0]]
    # pycocotools rasterises the pixel-centre polygon one row and one column short
    raster = rasterize_polygons(polys, 12, 16)
    assert raster.shape == (1, 12, 16)
    np.testing.assert_array_equal(raster[0], _rect(12, 16, 4, 7, 4, 13))
    ring = _rect(16, 16, 2, 14, 2, 14)
    ring[6:9, 6:9] = False
    assert len(mask_to_polygons(ring)) == 2  # outer boundary and hole
    two = _rect(16, 16, 1, 5, 1, 5) | _rect(16, 16, 9, 14, 9, 14)
    assert len(mask_to_polygons(two)) == 2
    assert mask_to_polygons(_rect(8, 8, 3, 4, 3, 4)) == []  # one pixel: no 3-point contour
    assert rasterize_polygons([], 5, 6).shape == (0, 5, 6)


def test_sum_not_mean_at_the_threshold():
    # the rasterised mask is 18 x 18 inside a 20 x 20 box: each loss 1 - 36/38 = 0.0526,
    # sum 0.105 >= 0.1 (rejected) although their mean, 0.053, is below 0.1
    pred = _rect(24, 24, 1, 20, 1, 20)  # rasterises to rows / columns 1:19
    out = RPPLabeler()(None, [_sample(pred, (1.0, 1.0, 21.0, 21.0))])[0]
    assert out.rpp_loss == pytest.approx(2 * (1 - 36 / 38), abs=1e-5)
    assert not out.pseudo_keep
    assert RPPLabeler(score_thr=0.2)(None, [_sample(pred, (1.0, 1.0, 21.0, 21.0))])[0].pseudo_keep
    # a 19-pixel box: each loss 1 - 36/37, sum 0.054: kept
    out = RPPLabeler()(None, [_sample(pred, (1.0, 1.0, 20.0, 20.0))])[0]
    assert out.rpp_loss == pytest.approx(2 * (1 - 36 / 37), abs=1e-5) and out.pseudo_keep


def test_multi_polygon_dropped_by_default_kept_with_option():
    ring = _rect(16, 16, 2, 15, 2, 15)
    ring[6:9, 6:9] = False
    box = (2.0, 2.0, 14.0, 14.0)  # the outer polygon rasterises to 2:14
    default = RPPLabeler()(None, [_sample(ring, box)])[0]
    assert default.num_polygons == 2 and not default.pseudo_keep
    kept = RPPLabeler(keep_multi_polygon=True)(None, [_sample(ring, box)])[0]
    assert kept.pseudo_keep and kept.rpp_loss == pytest.approx(0.0, abs=1e-5)
    # the union of the rasterised polygons: the hole polygon lies inside the outer one
    np.testing.assert_array_equal(kept.pseudo_mask.data[0].numpy(), _rect(16, 16, 2, 14, 2, 14))


def test_labeler_selects_and_skips():
    labeler = LABELERS.build(dict(type="RPPLabeler", score_thr=0.1))
    box = (2, 2, 6, 6)
    good = _sample(_rect(10, 10, 2, 7, 2, 7), box)  # rasterises to exactly the box
    bad = _sample(_rect(10, 10, 2, 7, 2, 5), box)  # rasterises to half its width
    empty = _sample(np.zeros((10, 10), bool), box)
    labeled = _sample(_rect(10, 10, 2, 7, 2, 7), box, supervision="mask")
    out = labeler(None, [good, bad, empty, labeled])
    assert [s.pseudo_keep for s in out] == [True, False, False, False]
    assert out[0].pseudo_score == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_array_equal(out[0].pseudo_mask.data[0].numpy(), box_mask(box, 10, 10))
    assert out[1].rpp_loss == pytest.approx(1 / 3, abs=1e-5)
    assert out[2].rpp_loss == 2.0 and out[2].pseudo_score == 0.0
    assert out[0].pseudo_mask.data.dtype == torch.bool


def test_missing_fields_are_named():
    s = RISDataSample(metainfo=dict(ref_id=7))
    with pytest.raises(KeyError, match="7"):
        RPPLabeler()(None, [s])


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
            pred[:, 4:13, 4 + i : 15] = True
            s.pred_mask = PixelData(data=pred)
            s.gt_bbox = torch.tensor([4.0, 4.0, 14.0, 12.0])
        return inputs, samples

    def test_keeps_the_box_consistent_sample(self):
        inputs, samples = self.make_batch()
        out = self.build()(inputs, samples)
        assert out[0].pseudo_keep and out[0].rpp_loss < 0.1
