"""RefSegMetric on hand-computed masks, legacy protocol options and pycocotools parity."""

from __future__ import annotations

import numpy as np
import pycocotools.mask as mask_utils
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData

from risseg.evaluation import RefSegMetric
from risseg.evaluation.metrics.ref_seg_metric import mask_iou
from risseg.structures import RISDataSample


def _sample(pred, gt, ref_id: int = 0, **meta) -> RISDataSample:
    pred, gt = torch.tensor(pred, dtype=torch.bool), torch.tensor(gt, dtype=torch.bool)
    sample = RISDataSample(metainfo=dict(ref_id=ref_id, sent_id=ref_id, ori_shape=gt.shape, **meta))
    sample.pred_mask = PixelData(data=pred[None])
    sample.gt_mask = PixelData(data=gt[None])
    return sample


# A: I=1 U=2 IoU 0.5   B: I=3 U=4 IoU 0.75   C: I=0 U=1 IoU 0
A = _sample([[1, 1], [0, 0]], [[1, 0], [0, 0]], ref_id=1)
B = _sample([[1, 1], [1, 1]], [[1, 1], [1, 0]], ref_id=2)
C = _sample([[0, 0], [0, 0]], [[0, 0], [0, 1]], ref_id=3)


def _evaluate(metric: RefSegMetric, *batches) -> dict:
    evaluator = Evaluator([metric])
    for batch in batches:
        evaluator.process(data_samples=list(batch))  # converted to dicts, as in the Runner
    return evaluator.evaluate(sum(len(b) for b in batches))


def test_hand_computed_miou_oiou_prec():
    metrics = _evaluate(RefSegMetric(), [A, B], [C])
    assert metrics["mIoU"] == pytest.approx(100 * (0.5 + 0.75 + 0) / 3)
    # oIoU is sum(I) / sum(U) = 4 / 7, not the mean of per-batch ratios (4/6 + 0/1) / 2
    assert metrics["oIoU"] == pytest.approx(100 * 4 / 7)
    assert metrics["oIoU"] != pytest.approx(100 * (4 / 6 + 0 / 1) / 2)
    assert metrics["prec@0.5"] == pytest.approx(100 * 2 / 3)  # inclusive: A has IoU 0.5
    assert metrics["prec@0.6"] == pytest.approx(100 / 3)
    assert metrics["prec@0.7"] == pytest.approx(100 / 3)
    assert metrics["prec@0.8"] == 0 and metrics["prec@0.9"] == 0
    assert metrics["num_samples"] == 3


def test_prec_threshold_inclusive_on_3x3():
    pred = np.zeros((3, 3), int)
    gt = np.zeros((3, 3), int)
    pred.flat[:5] = 1
    gt.flat[:3] = 1  # I = 3, U = 5: IoU exactly 0.6
    metrics = _evaluate(RefSegMetric(), [_sample(pred.tolist(), gt.tolist())])
    assert metrics["mIoU"] == pytest.approx(60.0)
    assert metrics["prec@0.6"] == 100.0 and metrics["prec@0.7"] == 0.0


def test_zero_union_options():
    empty = _sample([[0, 0], [0, 0]], [[0, 0], [0, 0]])
    assert _evaluate(RefSegMetric(), [empty])["mIoU"] == 0.0
    assert _evaluate(RefSegMetric(zero_union="one"), [empty])["mIoU"] == 100.0
    lavt_train = RefSegMetric(zero_union="one", zero_intersection_is_zero=True)
    assert _evaluate(lavt_train, [empty])["mIoU"] == 0.0
    assert _evaluate(RefSegMetric(), [empty])["oIoU"] == 0.0  # no division by zero


def test_prefix_and_plain_keys():
    assert "mIoU" in _evaluate(RefSegMetric(), [A])
    assert "val/mIoU" in _evaluate(RefSegMetric(prefix="val"), [A])


def test_shape_mismatch_names_sample():
    bad = _sample([[1, 1], [0, 0]], [[1, 0, 0], [0, 0, 0]], ref_id=42)
    with pytest.raises(ValueError, match=r"ref_id': 42.*\(2, 2\).*\(2, 3\)"):
        _evaluate(RefSegMetric(), [bad])


def test_resize_to_legacy_protocol():
    # prediction at 4x4 (original), GT at 2x2: both resized to 2x2 with nearest
    pred = torch.zeros(4, 4, dtype=torch.bool)
    pred[:2, :] = True  # top half -> [[1, 1], [0, 0]] at 2x2
    gt = [[1, 0], [0, 0]]
    metrics = _evaluate(RefSegMetric(resize_to=(2, 2)), [_sample(pred.tolist(), gt)])
    assert metrics["mIoU"] == pytest.approx(50.0)
    # and a resize to a bigger frame keeps the IoU of block-structured masks
    metrics = _evaluate(RefSegMetric(resize_to=(8, 8)), [A, B])
    assert metrics["oIoU"] == pytest.approx(100 * 4 / 6)


def test_crowd_mode_matches_pycocotools():
    rng = np.random.default_rng(0)
    for trial in range(20):
        pred = rng.random((9, 11)) < 0.4
        gt = rng.random((9, 11)) < 0.3
        if trial == 0:
            pred[:] = False
        for crowd in (0, 1):
            encode = [mask_utils.encode(np.asfortranarray(m.astype(np.uint8))) for m in (pred, gt)]
            expected = mask_utils.iou([encode[0]], [encode[1]], [crowd])[0, 0]
            _, _, iou = mask_iou(
                torch.from_numpy(pred),
                torch.from_numpy(gt),
                iscrowd=bool(crowd),
                iou_mode="coco_crowd",
            )
            assert iou == pytest.approx(expected, abs=1e-12)


def test_crowd_mode_uses_metainfo_flag():
    crowd = _sample([[1, 0], [0, 0]], [[1, 1], [1, 1]], gt_iscrowd=True)  # I/area(pred) = 1
    assert _evaluate(RefSegMetric(iou_mode="coco_crowd"), [crowd])["mIoU"] == 100.0
    assert _evaluate(RefSegMetric(), [crowd])["mIoU"] == pytest.approx(25.0)


def test_missing_prediction_and_bad_options():
    sample = _sample([[1]], [[1]])
    del sample.pred_mask
    with pytest.raises(KeyError, match="pred_mask"):
        _evaluate(RefSegMetric(), [sample])
    with pytest.raises(ValueError, match="iou_mode"):
        RefSegMetric(iou_mode="crowd")
    with pytest.raises(ValueError, match="zero_union"):
        RefSegMetric(zero_union="nan")


def test_protocol_is_logged(monkeypatch):
    import risseg.evaluation.metrics.ref_seg_metric as module

    messages = []
    monkeypatch.setattr(module, "print_log", lambda msg, **kw: messages.append(msg))
    _evaluate(RefSegMetric(), [A, B])
    assert "original image resolution" in messages[-1] and "2 refs" in messages[-1]
    low_res = _sample([[1]], [[1]], ref_id=1)
    low_res.set_metainfo(dict(ori_shape=(10, 10)))
    _evaluate(RefSegMetric(), [low_res])
    assert "NOT at original resolution" in messages[-1]
    low_res.set_metainfo(dict(pred_frame="pad"))
    _evaluate(RefSegMetric(), [low_res])
    assert "whole padded input frame (SeqTR release protocol)" in messages[-1]
    _evaluate(RefSegMetric(resize_to=(480, 480)), [A])
    assert "(480, 480)" in messages[-1]


def test_only_small_python_records_are_gathered_across_ranks():
    metric = RefSegMetric()
    metric.process(None, [A.to_dict(), B])
    assert len(metric.results) == 2
    for record in metric.results:
        for value in record.values():
            assert value is None or isinstance(value, (bool, int, float, str, tuple))
