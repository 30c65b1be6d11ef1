"""losses."""
from risseg.models.losses.label_smooth_ce_loss import LabelSmoothCrossEntropyLoss

__all__ = ["LabelSmoothCrossEntropyLoss"]
