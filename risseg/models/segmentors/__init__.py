from risseg.models.segmentors.base import BaseRISSegmentor
from risseg.models.segmentors.encoder_decoder import RISSegmentor

__all__ = ["BaseRISSegmentor", "RISSegmentor"]
