"""Evaluation: metrics for referring segmentation and comprehension."""

from risseg.evaluation.metrics import RefBoxMetric, RefSegMetric

__all__ = ["RefBoxMetric", "RefSegMetric"]
