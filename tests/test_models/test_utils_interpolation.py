"""logits_to_original with the non-interpolating modes used for boolean masks."""

from __future__ import annotations

import pytest
import torch

from risseg.models.utils import logits_to_original


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "area", "bilinear"])
def test_logits_to_original_accepts_mode(mode):
    meta = dict(ori_shape=(10, 6), img_shape=(20, 12), pad_shape=(32, 32), img_offset=(0, 0))
    out = logits_to_original(torch.rand(1, 8, 8), meta, mode=mode)
    assert out.shape == (1, 10, 6)


def test_nearest_exact_recovers_mask_resized_by_pipeline():
    # a (37, 23) mask upsampled x2 by the pipeline, padded to 96; mapping back is exact
    mask = torch.zeros(37, 23, dtype=torch.bool)
    mask[4:30, 2:15] = True
    big = mask.repeat_interleave(2, 0).repeat_interleave(2, 1)
    padded = torch.zeros(1, 96, 96)
    padded[0, :74, :46] = big.float()
    meta = dict(ori_shape=(37, 23), img_shape=(74, 46), pad_shape=(96, 96))
    back = logits_to_original(padded, meta, mode="nearest-exact")[0].bool()
    assert torch.equal(back, mask)
