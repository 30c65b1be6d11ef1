"""Metrics: referring segmentation (mask) and comprehension (box)."""

from risseg.evaluation.metrics.ref_box_metric import RefBoxMetric
from risseg.evaluation.metrics.ref_seg_metric import RefSegMetric

__all__ = ["RefBoxMetric", "RefSegMetric"]
