"""Image backbones."""
from risseg.models.backbones.timm_backbone import TimmBackbone

__all__ = ["TimmBackbone"]
