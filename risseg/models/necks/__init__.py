"""Fusion necks: image features + text features -> fused features."""
from risseg.models.necks.film_fusion_neck import FiLMFusionNeck

__all__ = ["FiLMFusionNeck"]
