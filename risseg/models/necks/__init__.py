"""Fusion necks: image features + text features -> fused features."""

from risseg.models.necks.film_fusion_neck import FiLMFusionNeck
from risseg.models.necks.pwam import PWAM
from risseg.models.necks.seqtr_fusion import SeqTRFusionNeck

__all__ = [
    "FiLMFusionNeck",
    "PWAM",
    "SeqTRFusionNeck",
]
