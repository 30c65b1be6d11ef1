"""LabelSmoothCrossEntropyLoss against a hand computation."""
from __future__ import annotations

import math

import torch

from risseg.models.losses import LabelSmoothCrossEntropyLoss


def test_matches_manual_and_weights():
    logits = torch.tensor([[0.0, 0.0, 0.0, 0.0]])
    loss = LabelSmoothCrossEntropyLoss(0.1)(logits, torch.tensor([2]))
    assert math.isclose(float(loss), math.log(4), rel_tol=1e-6)
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]])
    targets = torch.tensor([0, 2])
    logp = logits.log_softmax(-1)
    manual = -(0.9 * logp[[0, 1], targets] + 0.1 * logp.mean(-1))
    weight = torch.tensor([1.0, 0.1])
    out = LabelSmoothCrossEntropyLoss(0.1)(logits, targets, weight)
    assert torch.allclose(out, (manual * weight).sum() / 2)
    out = LabelSmoothCrossEntropyLoss(0.1)(logits, targets, weight, avg_factor=1)
    assert torch.allclose(out, (manual * weight).sum())
