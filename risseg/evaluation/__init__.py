"""Evaluation: metrics for referring segmentation and comprehension."""

from risseg.evaluation.metrics import (
    DumpPredictions,
    RefBoxMetric,
    RefSegMetric,
    load_predictions,
)

__all__ = ["DumpPredictions", "RefBoxMetric", "RefSegMetric", "load_predictions"]
