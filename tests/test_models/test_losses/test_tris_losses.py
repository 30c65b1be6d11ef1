"""TRIS losses on hand-made tensors, and gradients through the frozen CLIP."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from risseg.models.losses.tris_losses import (
    CLIPForegroundLoss,
    batch_sentence_cls_loss,
    batch_sentence_logits,
    foreground_text_loss,
    negative_text_loss,
)
from risseg.testing.tris import tiny_scorer_cfg


def test_batch_sentence_logits_by_hand():
    scores = torch.zeros(1, 1, 2, 2)
    scores[0, 0, 0, 0] = 2.0  # one hot pixel
    share = (math.e / (math.e + 1) + 3 / (math.e + 1)) / 4  # softmax vs background logit 1
    expected = 0.5 + 2.0 + (1 - share) ** 3 * math.log(0.01 + share)
    assert batch_sentence_logits(scores).item() == pytest.approx(expected, rel=1e-6)


def test_cls_loss_is_multilabel_soft_margin_against_the_identity():
    logits = torch.tensor([[3.0, -1.0], [0.5, 2.0]])
    target = torch.eye(2)
    by_hand = -(target * F.logsigmoid(logits) + (1 - target) * F.logsigmoid(-logits)).mean()
    assert batch_sentence_cls_loss(logits).item() == pytest.approx(by_hand.item(), rel=1e-6)
    with pytest.raises(ValueError):
        batch_sentence_cls_loss(torch.zeros(2, 3))


def test_foreground_and_negative_losses_by_hand():
    cos = torch.tensor([0.5, 0.25, -0.3, 1.0])
    fg = (-math.log(0.5) - math.log(0.25) - math.log(1e-4) - math.log(1 - 1e-4)) / 4
    assert foreground_text_loss(cos).item() == pytest.approx(fg, rel=1e-5)
    neg = torch.tensor([[0.5, 0.0], [-1.0, 0.5]])
    by_hand = (-math.log(0.5) / 2 + (-math.log(2.0) - math.log(0.5)) / 2) / 2
    assert negative_text_loss(neg).item() == pytest.approx(by_hand, rel=1e-5)
    assert math.isinf(negative_text_loss(torch.ones(1, 1), eps=None).item())  # as released
    assert math.isfinite(negative_text_loss(torch.ones(1, 1)).item())


def test_clip_loss_trains_the_pixels_not_clip_and_is_not_saved():
    torch.manual_seed(0)
    loss = CLIPForegroundLoss(tiny_scorer_cfg())
    assert loss.size == 32 and len(loss.mean) == 3
    assert not list(loss.parameters()) and not loss.state_dict()
    pixels = torch.randn(2, 3, 32, 32, requires_grad=True)
    out = loss(pixels, ["a red circle", "the blue ring"], [["x", "y", "z"], ["u", "v", "w"]])
    assert set(out) == {"loss_fg", "loss_neg"}
    (out["loss_fg"] + out["loss_neg"]).backward()
    assert pixels.grad is not None and pixels.grad.abs().sum() > 0
    assert all(p.grad is None for p in loss.scorer.parameters())
    with pytest.raises(ValueError, match="same number"):
        loss(pixels, ["a", "b"], [["x"], ["u", "v"]])
