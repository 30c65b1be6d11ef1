"""PackRISInputs: output types, shapes and metainfo."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from risseg.datasets.transforms import PackRISInputs
from risseg.structures import RISDataSample


def _results() -> dict:
    mask = np.zeros((4, 6), bool)
    mask[1:3, 2:5] = True
    return dict(
        img=np.arange(72, dtype=np.uint8).reshape(4, 6, 3),
        gt_mask=mask,
        gt_bbox=np.array([2, 1, 5, 3], np.float32),
        text_ids=np.array([5, 6, 0], np.int64),
        text_mask=np.array([1, 1, 0], bool),
        gt_points=np.array([[2.0, 1.0], [4.0, 2.0]]),
        text="the man",
        ref_id=3,
        sent_id=9,
        ori_shape=(4, 6),
        img_shape=(4, 6),
        pad_shape=(4, 6),
        img_offset=(0, 0),
        scale_factor=(1.0, 1.0),
        flip=False,
        unrelated_key="not packed",
    )


def test_pack_types_and_shapes():
    out = PackRISInputs(extra_data_keys=("gt_points",))(_results())
    inputs, sample = out["inputs"], out["data_samples"]
    assert inputs.dtype == torch.uint8 and inputs.shape == (3, 4, 6)
    assert inputs[:, 0, 1].tolist() == [3, 4, 5]  # channel-first copy of pixel (0, 1)
    assert isinstance(sample, RISDataSample) and isinstance(sample.gt_mask, PixelData)
    assert sample.gt_mask.data.dtype == torch.bool and sample.gt_mask.data.shape == (1, 4, 6)
    assert sample.gt_mask.data.sum() == 6
    assert sample.gt_bbox.dtype == torch.float32 and sample.gt_bbox.shape == (4,)
    assert sample.text_ids.dtype == torch.int64 and sample.text_mask.dtype == torch.bool
    assert sample.gt_points.shape == (2, 2)
    assert sample.text == "the man" and sample.ref_id == 3 and sample.sent_id == 9
    assert sample.img_offset == (0, 0) and sample.flip is False
    assert "unrelated_key" not in sample


def test_pack_without_annotations():
    res = _results()
    for key in ("gt_mask", "gt_bbox", "text_ids", "text_mask"):
        res.pop(key)
    res["gt_mask"] = None
    sample = PackRISInputs()(res)["data_samples"]
    assert "gt_mask" not in sample and "gt_bbox" not in sample and "text_ids" not in sample


def test_pack_rejects_grey_image():
    res = _results()
    res["img"] = res["img"][..., 0]
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        PackRISInputs()(res)
