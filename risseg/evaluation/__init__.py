"""Evaluation: metrics for referring segmentation and comprehension."""

from risseg.evaluation.metrics import DumpPredictions, RefBoxMetric, RefSegMetric

__all__ = ["DumpPredictions", "RefBoxMetric", "RefSegMetric"]
