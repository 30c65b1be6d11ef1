"""Image backbones."""
from risseg.models.backbones.darknet import DarkNet53
from risseg.models.backbones.timm_backbone import TimmBackbone

__all__ = ["DarkNet53", "TimmBackbone"]
