"""TextPixelContrastiveLoss on hand-made scores."""

from __future__ import annotations

import math

import pytest
import torch

from risseg.models.losses.text_pixel_contrastive_loss import TextPixelContrastiveLoss


def test_per_pixel_sigmoid_bce_by_hand():
    logits = torch.tensor([[[[2.0, -1.0], [0.0, 3.0]]]])
    target = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]])
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    want = -(math.log(sig(2)) + math.log(1 - sig(-1)) + math.log(sig(0)) + math.log(1 - sig(3)))
    loss = TextPixelContrastiveLoss(loss_weight=2.0)(logits, target)
    assert loss.item() == pytest.approx(2.0 * want / 4, rel=1e-6)


def test_target_is_sampled_nearest_to_the_score_size():
    target = torch.zeros(1, 1, 4, 4)
    target[..., :2, :2] = 1.0  # the top-left quarter
    perfect = torch.full((1, 1, 2, 2), -30.0)
    perfect[..., 0, 0] = 30.0
    assert TextPixelContrastiveLoss()(perfect, target).item() < 1e-10
    assert TextPixelContrastiveLoss()(-perfect, target).item() > 29


def test_bad_interpolation_is_refused():
    with pytest.raises(ValueError, match="gt_interpolation"):
        TextPixelContrastiveLoss(gt_interpolation="bicubic")
