"""Fusion necks: image features + text features -> fused features."""

from risseg.models.layers.pwam import PWAM  # a shared block, also usable as a neck
from risseg.models.necks.cris_fpn import CRISFPN
from risseg.models.necks.film_fusion_neck import FiLMFusionNeck
from risseg.models.necks.pixel_word_fusion_neck import PixelWordFusionNeck
from risseg.models.necks.seqtr_fusion import SeqTRFusionNeck

__all__ = [
    "CRISFPN",
    "FiLMFusionNeck",
    "PWAM",
    "PixelWordFusionNeck",
    "SeqTRFusionNeck",
]
