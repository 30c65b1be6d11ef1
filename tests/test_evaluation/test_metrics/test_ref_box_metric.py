"""RefBoxMetric: Acc@0.5 inclusive and mean box IoU."""

from __future__ import annotations

import pytest
import torch
from mmengine.evaluator import Evaluator

from risseg.evaluation import RefBoxMetric
from risseg.evaluation.metrics.ref_box_metric import box_iou
from risseg.structures import RISDataSample


def _sample(pred, gt) -> RISDataSample:
    sample = RISDataSample(metainfo=dict(ref_id=0))
    sample.pred_bbox = torch.tensor(pred, dtype=torch.float32)
    sample.gt_bbox = torch.tensor(gt, dtype=torch.float32)
    return sample


def test_box_iou_hand_computed():
    assert box_iou([0, 0, 2, 2], [1, 0, 3, 2]) == pytest.approx(2 / 6)
    assert box_iou([0, 0, 2, 2], [0, 0, 2, 1]) == pytest.approx(0.5)
    assert box_iou([0, 0, 1, 1], [2, 2, 3, 3]) == 0.0
    assert box_iou([0, 0, 0, 0], [0, 0, 0, 0]) == 0.0


def test_acc_inclusive_and_mean():
    evaluator = Evaluator([RefBoxMetric()])
    evaluator.process(
        data_samples=[
            _sample([0, 0, 2, 2], [0, 0, 2, 1]),  # IoU 0.5 -> hit
            _sample([0, 0, 2, 2], [1, 0, 3, 2]),
        ]
    )  # IoU 1/3 -> miss
    metrics = evaluator.evaluate(2)
    assert metrics["acc@0.5"] == pytest.approx(50.0)
    assert metrics["box_mIoU"] == pytest.approx(100 * (0.5 + 1 / 3) / 2)
    assert metrics["num_samples"] == 2


def test_missing_box_raises():
    sample = RISDataSample(metainfo=dict(ref_id=5))
    sample.gt_bbox = torch.zeros(4)
    evaluator = Evaluator([RefBoxMetric()])
    with pytest.raises(KeyError, match="pred_bbox"):
        evaluator.process(data_samples=[sample])
