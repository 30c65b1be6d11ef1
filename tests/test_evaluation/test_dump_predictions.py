"""DumpPredictions writes original-resolution RLEs and boxes."""

from __future__ import annotations

import json

import pytest
import torch
from mmengine.structures import PixelData

from risseg.evaluation.metrics.dump_predictions import DumpPredictions
from risseg.structures import RISDataSample
from risseg.utils.masks import rle_to_mask


def _sample(pred_shape=(20, 30)):
    s = RISDataSample(
        metainfo=dict(
            ref_id=7,
            sent_id=3,
            image_id=1,
            ann_id=9,
            supervision="box",
            ori_shape=(20, 30),
            img_shape=(10, 15),
            pad_shape=(16, 16),
            scale_factor=(0.5, 0.5),
            img_offset=(0, 0),
        )
    )
    pred = torch.zeros(1, *pred_shape, dtype=torch.bool)
    pred[0, 2:6, 4:10] = True
    s.pred_mask = PixelData(data=pred)
    s.gt_bbox = torch.tensor([2.0, 1.0, 5.0, 3.0])
    return s


def test_dump(tmp_path):
    metric = DumpPredictions(out_file=str(tmp_path / "p.json"), bbox_frame="input")
    metric.process({}, [_sample().to_dict()])
    out = metric.compute_metrics(metric.results)
    assert out["num_predictions"] == 1
    rec = json.loads((tmp_path / "p.json").read_text())[0]
    assert rec["ref_id"] == 7 and rec["supervision"] == "box"
    assert rec["gt_bbox"] == [4.0, 2.0, 10.0, 6.0]
    assert rle_to_mask(rec["pred_rle"]).sum() == 24


def test_dump_rejects_unscaled_predictions(tmp_path):
    metric = DumpPredictions(out_file=str(tmp_path / "p.json"))
    with pytest.raises(ValueError, match="rescale"):
        metric.process({}, [_sample((10, 15)).to_dict()])


def test_dump_original_frame_box_kept(tmp_path):
    metric = DumpPredictions(out_file=str(tmp_path / "p.json"))
    metric.process({}, [_sample().to_dict()])
    assert metric.results[0]["gt_bbox"] == [2.0, 1.0, 5.0, 3.0]


def test_dump_keeps_what_drawing_needs(tmp_path):
    s = _sample()
    s.set_metainfo(dict(img_path="a.png", text="the red star"))
    s.pred_points = torch.tensor([[4.0, 2.0], [9.0, 2.0], [9.0, 5.0]])
    s.pred_bbox = torch.tensor([4.0, 2.0, 9.0, 5.0])
    gt = torch.zeros(1, 20, 30, dtype=torch.bool)
    gt[0, 2:6, 4:7] = True
    s.gt_mask = PixelData(data=gt)
    plain = DumpPredictions(out_file=str(tmp_path / "p.json"))
    plain.process({}, [s.to_dict()])
    rec = plain.results[0]
    assert rec["img_path"] == "a.png" and rec["text"] == "the red star"
    assert rec["pred_points"] == [[4.0, 2.0], [9.0, 2.0], [9.0, 5.0]]
    assert rec["pred_bbox"] == [4.0, 2.0, 9.0, 5.0]
    assert rec["iou"] == pytest.approx(12 / 24) and "gt_rle" not in rec
    full = DumpPredictions(out_file=str(tmp_path / "p.json"), with_gt_mask=True)
    full.process({}, [s.to_dict()])
    assert (rle_to_mask(full.results[0]["gt_rle"]) == gt[0].numpy()).all()
