import math

import pytest
import torch
import torch.nn.functional as F

from risseg.models.losses import WeightedCrossEntropyLoss


def _case():
    logits = torch.tensor([[[[2.0, -1.0, 0.5]], [[0.0, 1.0, 0.2]]]])  # (1, 2, 1, 3)
    target = torch.tensor([[[0, 1, 1]]])  # (1, 1, 3)
    return logits, target


def test_lavt_normalisation_equals_torch_weighted_mean():
    logits, target = _case()
    loss = WeightedCrossEntropyLoss((0.9, 1.1), normalize="weight")(logits, target)
    ref = F.cross_entropy(logits, target, weight=torch.tensor([0.9, 1.1]))
    assert torch.allclose(loss, ref)


def test_semires_normalisation_is_plain_mean():
    logits, target = _case()
    ce = F.cross_entropy(logits, target, reduction="none")
    loss = WeightedCrossEntropyLoss((0.9, 1.1), normalize="pixel")(logits, target)
    expected = (0.9 * ce[0, 0, 0] + 1.1 * ce[0, 0, 1] + 1.1 * ce[0, 0, 2]) / 3
    assert math.isclose(loss.item(), expected.item(), rel_tol=1e-6)
    lavt = WeightedCrossEntropyLoss((0.9, 1.1), normalize="weight")(logits, target)
    assert not math.isclose(loss.item(), lavt.item())


def test_pixel_weights_and_empty_batch():
    logits, target = _case()
    w = torch.tensor([[[0.0, 2.0, 0.0]]])
    loss = WeightedCrossEntropyLoss(None, normalize="pixel")(logits, target, pixel_weight=w)
    ce = F.cross_entropy(logits, target, reduction="none")
    assert torch.allclose(loss, 2.0 * ce[0, 0, 1] / 3)
    empty = WeightedCrossEntropyLoss()(logits[:0], target[:0])
    assert empty.item() == 0.0
    with pytest.raises(ValueError):
        WeightedCrossEntropyLoss(normalize="sum")
