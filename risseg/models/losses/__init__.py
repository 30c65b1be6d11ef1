"""Losses."""

from risseg.models.losses.dice_loss import DiceLoss
from risseg.models.losses.label_smooth_ce_loss import LabelSmoothCrossEntropyLoss
from risseg.models.losses.ssc_matching import assign_greedy, assign_random, soft_iou
from risseg.models.losses.text_pixel_contrastive_loss import TextPixelContrastiveLoss
from risseg.models.losses.tris_losses import CLIPForegroundLoss
from risseg.models.losses.weighted_ce_loss import WeightedCrossEntropyLoss

__all__ = [
    "CLIPForegroundLoss",
    "DiceLoss",
    "LabelSmoothCrossEntropyLoss",
    "TextPixelContrastiveLoss",
    "WeightedCrossEntropyLoss",
    "assign_greedy",
    "assign_random",
    "soft_iou",
]
