from risseg.models.segmentors.base import BaseRISSegmentor
from risseg.models.segmentors.lavt import LAVTSegmentor

__all__ = ["BaseRISSegmentor", "LAVTSegmentor"]
