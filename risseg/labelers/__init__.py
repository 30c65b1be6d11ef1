"""Pseudo-label generators and selectors (registered in LABELERS)."""
from risseg.labelers.rpp import RPPLabeler, projection_score

__all__ = ["RPPLabeler", "projection_score"]
