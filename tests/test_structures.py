import pytest
import torch
from mmengine.structures import PixelData

from risseg.structures import RISDataSample


def test_fields_roundtrip_through_to_dict():
    sample = RISDataSample(metainfo=dict(text="the red circle", ori_shape=(4, 5)))
    sample.gt_mask = PixelData(data=torch.ones(1, 4, 5, dtype=torch.bool))
    sample.gt_bbox = torch.tensor([0.0, 0.0, 5.0, 4.0])
    sample.pred_mask = PixelData(data=torch.zeros(1, 4, 5, dtype=torch.bool))
    as_dict = sample.to_dict()
    assert set(as_dict) >= {"gt_mask", "gt_bbox", "pred_mask", "text", "ori_shape"}
    assert as_dict["gt_mask"]["data"].shape == (1, 4, 5)
    del sample.pred_mask
    assert "pred_mask" not in sample


def test_field_type_is_checked():
    sample = RISDataSample()
    with pytest.raises(AssertionError):
        sample.gt_mask = torch.zeros(1, 2, 2)
    with pytest.raises(AssertionError):
        sample.gt_bbox = [0, 0, 1, 1]
