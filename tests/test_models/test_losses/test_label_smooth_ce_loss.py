"""LabelSmoothCrossEntropyLoss against a hand computation."""

from __future__ import annotations

import math

import pytest
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


def test_overwrite_target_is_the_release_soft_target():
    torch.manual_seed(0)
    logits, targets = torch.randn(6, 11), torch.randint(0, 11, (6,))
    eps, num = 0.1, 11
    soft = torch.full((6, num), eps / num)
    soft[torch.arange(6), targets] = 1 - eps  # overwritten, not added
    manual = -(soft * logits.log_softmax(-1)).sum(-1)
    weight = torch.rand(6)
    loss = LabelSmoothCrossEntropyLoss(eps, overwrite_target=True)
    assert torch.allclose(loss(logits, targets, weight, avg_factor=4), (manual * weight).sum() / 4)
    default = LabelSmoothCrossEntropyLoss(eps)(logits, targets, weight, avg_factor=4)
    assert not torch.allclose(default, (manual * weight).sum() / 4)


def test_overwrite_target_refuses_neighbour_sigma():
    with pytest.raises(ValueError, match="overwrite_target"):
        LabelSmoothCrossEntropyLoss(0.1, neighbour_sigma=1.0, overwrite_target=True)
