"""RefPointMetric: PointM and box hit on hand-made maps."""

from __future__ import annotations

import pytest
import torch
from mmengine.structures import PixelData

from risseg.evaluation.metrics import RefPointMetric
from risseg.structures import RISDataSample


def _sample(peak_xy, mask_box=(1, 1, 3, 3), bbox=(1.0, 1.0, 3.0, 3.0), use_peak=False):
    s = RISDataSample(metainfo=dict(ref_id=0, ori_shape=(4, 5)))
    gt = torch.zeros(1, 4, 5, dtype=torch.bool)
    x1, y1, x2, y2 = mask_box
    gt[0, y1:y2, x1:x2] = True
    s.gt_mask = PixelData(data=gt)
    s.gt_bbox = torch.tensor(bbox)
    logits = torch.zeros(1, 4, 5)
    logits[0, peak_xy[1], peak_xy[0]] = 1.0
    s.pred_logits = PixelData(data=logits)
    if use_peak:
        s.set_metainfo(dict(pred_peak=peak_xy))
    return s


def test_point_m_and_box_hit():
    metric = RefPointMetric()
    # inside mask and box; outside both; inside the box but not the mask (an L-shaped mask)
    samples = [_sample((2, 2)), _sample((4, 0)), _sample((1, 1), mask_box=(2, 2, 3, 3))]
    metric.process({}, [s.to_dict() for s in samples])
    out = metric.compute_metrics(metric.results)
    assert out["PointM"] == pytest.approx(100 / 3)
    assert out["box_hit"] == pytest.approx(200 / 3)


def test_pred_peak_wins_over_the_arg_max_and_bad_peaks_are_refused():
    metric = RefPointMetric()
    s = _sample((4, 0))
    s.set_metainfo(dict(pred_peak=(2, 2)))
    metric.process({}, [s])
    assert metric.compute_metrics(metric.results)["PointM"] == 100.0
    s.set_metainfo(dict(pred_peak=(9, 9)))
    with pytest.raises(ValueError, match="outside"):
        metric.process({}, [s])
    bare = RISDataSample(metainfo=dict(ref_id=1))
    bare.gt_bbox = torch.tensor([0.0, 0.0, 1.0, 1.0])
    with pytest.raises(KeyError, match="pred_peak"):
        metric.process({}, [bare])
    with pytest.raises(ValueError):
        RefPointMetric().compute_metrics([])
