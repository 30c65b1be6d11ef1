"""Metrics: segmentation (mask), comprehension (box), localisation (peak); prediction dumps."""

from risseg.evaluation.metrics.dump_predictions import DumpPredictions, load_predictions
from risseg.evaluation.metrics.ref_box_metric import RefBoxMetric
from risseg.evaluation.metrics.ref_point_metric import RefPointMetric
from risseg.evaluation.metrics.ref_seg_metric import RefSegMetric

__all__ = ["DumpPredictions", "RefBoxMetric", "RefPointMetric", "RefSegMetric", "load_predictions"]
