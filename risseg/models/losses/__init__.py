"""Losses."""

from risseg.models.losses.dice_loss import DiceLoss
from risseg.models.losses.label_smooth_ce_loss import LabelSmoothCrossEntropyLoss
from risseg.models.losses.weighted_ce_loss import WeightedCrossEntropyLoss

__all__ = [
    "DiceLoss",
    "LabelSmoothCrossEntropyLoss",
    "WeightedCrossEntropyLoss",
]
