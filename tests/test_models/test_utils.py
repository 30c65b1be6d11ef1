import pytest
import torch
from mmengine.structures import PixelData
from torch import nn

from risseg.models.utils import boxes_to_original, build, logits_to_original, stack_gt_masks
from risseg.structures import RISDataSample


def test_build_passes_modules_and_none_through():
    conv = nn.Conv2d(1, 1, 1)
    assert build(conv) is conv
    assert build(None) is None


def test_logits_to_original_undoes_offset_pad_and_scale():
    # Original 20x40 image letterboxed into 32x32: scale 0.8, content 16x32 at y offset 8.
    meta = dict(
        ori_shape=(20, 40),
        img_shape=(16, 32),
        pad_shape=(32, 32),
        img_offset=(0, 8),
        scale_factor=(0.8, 0.8),
    )
    padded = torch.full((1, 32, 32), -10.0)
    padded[:, 8:24, 16:32] = 10.0  # right half of the content
    out = logits_to_original(padded, meta)
    assert out.shape == (1, 20, 40)
    fg = out[0] > 0
    assert fg[:, 21:].all() and not fg[:, :19].any()


def test_logits_to_original_handles_stride_and_flip():
    meta = dict(ori_shape=(8, 8), img_shape=(8, 8), pad_shape=(8, 8), flip=True)
    low = torch.tensor([[[10.0, -10.0], [10.0, -10.0]]])  # stride 4: left half fg (flipped frame)
    out = logits_to_original(low, meta, mode="nearest")
    assert (out[0, :, 4:] > 0).all() and (out[0, :, :4] < 0).all()


def test_boxes_to_original_inverts_scale_offset_and_flip():
    meta = dict(ori_shape=(100, 200), scale_factor=(0.5, 0.5), img_offset=(0, 25))
    box = torch.tensor([10.0, 35.0, 30.0, 45.0])
    assert torch.allclose(boxes_to_original(box, meta), torch.tensor([20.0, 20.0, 60.0, 40.0]))
    meta["flip"] = True
    assert torch.allclose(boxes_to_original(box, meta), torch.tensor([140.0, 20.0, 180.0, 40.0]))


def test_stack_gt_masks_pads_to_largest():
    samples = []
    for h, w in [(2, 3), (4, 2)]:
        s = RISDataSample()
        s.gt_mask = PixelData(data=torch.ones(1, h, w, dtype=torch.bool))
        samples.append(s)
    out = stack_gt_masks(samples)
    assert out.shape == (2, 1, 4, 3)
    assert out[0].sum() == 6 and out[1].sum() == 8
    with pytest.raises(AttributeError):
        stack_gt_masks([RISDataSample()])
