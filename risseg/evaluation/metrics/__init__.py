"""Metrics: referring segmentation (mask) and comprehension (box); prediction dumps."""

from risseg.evaluation.metrics.dump_predictions import DumpPredictions, load_predictions
from risseg.evaluation.metrics.ref_box_metric import RefBoxMetric
from risseg.evaluation.metrics.ref_seg_metric import RefSegMetric

__all__ = ["DumpPredictions", "RefBoxMetric", "RefSegMetric", "load_predictions"]
