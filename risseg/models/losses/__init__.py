"""Losses."""

from risseg.models.losses.weighted_ce_loss import WeightedCrossEntropyLoss

__all__ = ["WeightedCrossEntropyLoss"]
