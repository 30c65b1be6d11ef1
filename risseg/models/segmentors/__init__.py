from risseg.models.segmentors.base import BaseRISSegmentor

__all__ = ["BaseRISSegmentor"]
