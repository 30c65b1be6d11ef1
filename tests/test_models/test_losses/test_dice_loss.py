import torch

from risseg.models.losses import DiceLoss


def test_hand_computed_value():
    # prob 0.5 everywhere on a 2x2 map, target has 1 foreground pixel:
    # dice = (2 * 0.5 + 1) / (2 + 1 + 1) = 0.5
    logits = torch.zeros(1, 1, 2, 2)
    target = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    assert torch.isclose(DiceLoss(eps=1.0)(logits, target), torch.tensor(0.5))


def test_perfect_and_empty_predictions():
    target = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]]])
    perfect = (target * 2 - 1) * 50
    assert DiceLoss()(perfect, target) < 1e-3
    empty = torch.full((1, 1, 2, 2), -50.0)
    assert DiceLoss()(empty, torch.zeros_like(target)) < 1e-3
