"""backbones."""
from risseg.models.backbones.darknet import DarkNet53

__all__ = ["DarkNet53"]
