"""Losses."""
from risseg.models.losses.dice_loss import DiceLoss

__all__ = ["DiceLoss"]
