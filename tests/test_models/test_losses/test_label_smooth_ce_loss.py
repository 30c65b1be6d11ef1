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


def test_neighbour_sigma_spreads_coordinates_but_not_end():
    loss = LabelSmoothCrossEntropyLoss(0.0, neighbour_sigma=1.0, num_ordinal=5)
    logits = torch.randn(2, 6)  # 5 coordinate bins + END
    logp = logits.log_softmax(-1)
    soft = torch.exp(-0.5 * (torch.arange(5.0) - 2) ** 2)
    soft = soft / soft.sum()
    manual = torch.stack([-(soft * logp[0, :5]).sum(), -logp[1, 5]])
    out = loss(logits, torch.tensor([2, 5]), avg_factor=1)
    assert torch.allclose(out, manual.sum())
    # a near miss costs less than a far miss, unlike the one-hot target
    near = torch.full((1, 6), -5.0)
    near[0, 3] = 5.0
    far = torch.full((1, 6), -5.0)
    far[0, 0] = 5.0
    target = torch.tensor([2])
    assert loss(near, target) < loss(far, target)
    one_hot = LabelSmoothCrossEntropyLoss(0.0)
    assert torch.isclose(one_hot(near, target), one_hot(far, target))
